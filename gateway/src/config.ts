import path from 'node:path';
import { commonConfigSchema, ConfigError, configFields, loadConfig } from '@socgraph/shared';
import { z } from 'zod';

/**
 * The gateway's settings, validated once at start with every problem reported together
 * (shared `loadConfig`). Keys keep their environment names, like every other service's config.
 */

export const DEFAULT_SUPERGRAPH_PATH = path.resolve(__dirname, '..', 'supergraph.graphql');
export const DEFAULT_MANIFEST_PATH = path.resolve(__dirname, '..', 'persisted-queries.json');
/** The partner operations `pnpm persisted` builds the manifest from (`gateway/operations/*.graphql`). */
export const OPERATIONS_DIR = path.resolve(__dirname, '..', 'operations');

/** A token bucket: `rate` tokens per second refill a bucket of `burst`. */
export interface RateLimit {
  rate: number;
  burst: number;
}

const RATE = /^(\d+(?:\.\d+)?)\/(\d+)$/;
const WHOLE_NUMBER = /^\d+$/;
const TYPE_FIELD = /^[_A-Za-z]\w*\.[_A-Za-z]\w*$/;

/**
 * A `name=value,...` setting as a record: `parse` turns one part's name and value into its entry
 * (null: not valid, reported with `example`). Every map-valued setting is read the same way.
 */
const namedValues = <T>(fallback: string, example: string, parse: (name: string, value: string) => T | null) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const entries: Record<string, T> = {};
      for (const part of text
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [name, value] = part.split('=').map((p) => p.trim());
        const parsed = name && value ? parse(name, value) : null;
        if (!name || parsed === null) {
          ctx.addIssue({ code: 'custom', message: `"${part}" is not ${example}` });
          return z.NEVER;
        }
        entries[name] = parsed;
      }
      return entries;
    });

/** `name=rate/burst,...` (e.g. `analyst=20/60,customer_user=10/30`), names free-form. */
const rateLimitMap = (fallback: string) =>
  namedValues<RateLimit>(fallback, 'name=rate/burst (e.g. analyst=20/60)', (_name, value) => {
    const match = RATE.exec(value);
    return match ? { rate: Number(match[1]), burst: Number(match[2]) } : null;
  });

/** `name=milliseconds,...` for per-subgraph timeouts. */
const msMap = namedValues<number>('', 'name=milliseconds', (_name, value) =>
  WHOLE_NUMBER.test(value) ? Number(value) : null,
);

/** `Type.field=N,...` (assumed list lengths for the cost model). */
const sizeMap = namedValues<number>('', 'Type.field=N (e.g. Alert.comments=100)', (name, value) =>
  TYPE_FIELD.test(name) && WHOLE_NUMBER.test(value) ? Number(value) : null,
);

const list = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );

/** A switch without a default, for settings whose default depends on another one. */
const optionalBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')
  .optional();

const int = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const host = z
  .string()
  .regex(/^[A-Za-z0-9.:-]+$/, 'must be a host name or IP address (127.0.0.1, 0.0.0.0, ::)')
  .default('127.0.0.1');

export const gatewayConfigSchema = commonConfigSchema.extend({
  PORT: configFields.port(4000),
  HOST: host,
  JWT_SECRET: configFields.secret(),
  PRINCIPAL_CACHE_SECONDS: z.coerce.number().int().min(0).default(5),
  INTROSPECTION: configFields.bool(true),
  // Optional: both default to on outside production and off in it (filled in after parsing).
  ALLOW_ANONYMOUS_INTROSPECTION: optionalBool,
  API_KEY_INTROSPECTION: optionalBool,
  LANDING_PAGE: z.enum(['sandbox', 'offline', 'off']).default('sandbox'),
  SUPERGRAPH_PATH: z.string().default(DEFAULT_SUPERGRAPH_PATH),

  // Persisted operations
  PERSISTED_QUERIES_PATH: z.string().default(DEFAULT_MANIFEST_PATH),
  SAFELIST_MODE: z.enum(['off', 'log', 'enforce']).default('off'),
  APQ_TTL_SECONDS: configFields.seconds(86_400),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_KEY_PREFIX: z.string().default('socgraph:'),

  // Limits
  MAX_BODY_BYTES: int(1_000_000),
  MAX_DOCUMENT_SIZE: int(20_000),
  MAX_TOKENS: int(2_000),
  MAX_DEPTH: int(12),
  MAX_ALIASES: int(30),
  MAX_ROOT_FIELDS: int(15),
  MAX_DIRECTIVES: int(50),
  MAX_COST: int(50_000),
  DEFAULT_LIST_SIZE: int(10),
  // Assumed lengths of plain lists that grow (`Alert.comments=100,...`), over the built-in
  // table (limits.ts DEFAULT_LIST_SIZES); other plain lists count DEFAULT_LIST_SIZE.
  LIST_SIZES: sizeMap,
  // The most bytes one subgraph answer, or the whole response, may hold: QUERY_LIMIT_EXCEEDED
  // (MAX_RESPONSE_BYTES) beyond, for the fields of that fetch or for the whole response.
  MAX_RESPONSE_BYTES: int(10_000_000),
  // Longest list an argument or input field may hold (literal or variable); BAD_USER_INPUT beyond.
  MAX_LIST_ARGUMENT_LENGTH: int(1_000),
  // Values all arguments of an operation may hold together, a variable counted at each use.
  MAX_INPUT_VALUES: int(10_000),

  // Rate limits. An API key spends its own bucket (API_KEY_RATE_LIMITS) and its owner's (the
  // role's, in RATE_LIMITS); every `login` spends its client address's bucket (`anonymous`).
  RATE_LIMIT_ENABLED: configFields.bool(true),
  RATE_LIMITS: rateLimitMap(
    'anonymous=5/20,customer_user=10/40,analyst=20/60,auditor=10/40,admin=50/150,default=10/30',
  ),
  API_KEY_RATE_LIMITS: rateLimitMap('default=10/30'),

  // Subgraph calls
  SUBGRAPH_TIMEOUT_MS: int(10_000),
  SUBGRAPH_TIMEOUTS: msMap,
  SUBGRAPH_MAX_SOCKETS: int(64),
  // Identical query fetches in flight at once, for the same principal, share one call.
  SUBGRAPH_DEDUP: configFields.bool(true),
  // One deadline for a request's whole time in the gateway (principal, every fetch of its plan),
  // passed to subgraphs as x-deadline-ms; each fetch waits min(its subgraph timeout, what is left).
  REQUEST_TIMEOUT_MS: int(15_000),
  // How long the tag-access settings count as fresh; older ones are served and refreshed in the background.
  TAG_SETTINGS_REFRESH_SECONDS: int(5),
  // While a dependency stays unavailable, its log line is repeated at most this often.
  OUTAGE_LOG_REMINDER_SECONDS: int(60),

  // Browsers and dashboards
  TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
  CORS_ORIGINS: list,
  CORS_MAX_AGE_SECONDS: configFields.seconds(600),

  // Access log and audit
  AUDIT_REPORTING: z.enum(['off', 'audit']).default('audit'),
  ACCESS_LOG_BUFFER: int(10_000),
  ACCESS_LOG_BATCH: int(200),
  ACCESS_LOG_FLUSH_MS: int(1_000),
  // How often each user's request count goes to identity (billing usage); 0 counts nothing.
  USAGE_FLUSH_MS: z.coerce.number().int().min(0).default(10_000),

  // Operations
  // METRICS_TOKEN and METRICS_OPEN come from the common schema (shared/src/config.ts).
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(0),
  SHUTDOWN_GRACE_MS: int(10_000),
});

type ParsedGatewayConfig = z.infer<typeof gatewayConfigSchema>;

export type GatewayConfig = Omit<ParsedGatewayConfig, 'ALLOW_ANONYMOUS_INTROSPECTION' | 'API_KEY_INTROSPECTION'> & {
  ALLOW_ANONYMOUS_INTROSPECTION: boolean;
  API_KEY_INTROSPECTION: boolean;
  /**
   * Subgraph URLs given as `<NAME>_URL` (IDENTITY_URL, AUDIT_URL, ...), by subgraph name. The
   * gateway knows no subgraph: it calls the ones its supergraph joins, each at its URL here or,
   * when not given, at the URL the supergraph was composed with.
   */
  SUBGRAPH_URLS: Record<string, string>;
};

// `<NAME>_URL` with a one-word name; REDIS_URL and DATABASE_URL are not subgraphs.
const SUBGRAPH_URL_SETTING = /^([A-Z][A-Z0-9]*)_URL$/;
const NOT_SUBGRAPHS = new Set(['REDIS', 'DATABASE']);

function subgraphUrlsFrom(env: NodeJS.ProcessEnv): { urls: Record<string, string>; problems: string[] } {
  const urls: Record<string, string> = {};
  const problems: string[] = [];
  const url = configFields.url();
  for (const [key, value] of Object.entries(env)) {
    const name = SUBGRAPH_URL_SETTING.exec(key)?.[1];
    if (!name || NOT_SUBGRAPHS.has(name) || !value) continue;
    const checked = url.safeParse(value);
    if (checked.success) urls[name.toLowerCase()] = checked.data;
    else problems.push(`${key}: ${checked.error.issues[0]?.message ?? 'must be an http(s) URL'}`);
  }
  return { urls, problems };
}

/** Throws `ConfigError` listing every problem. */
export function gatewayConfigFrom(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const { urls, problems } = subgraphUrlsFrom(env);
  let parsed: ParsedGatewayConfig;
  try {
    parsed = loadConfig(gatewayConfigSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError([...error.problems, ...problems]);
    throw error;
  }
  if (problems.length) throw new ConfigError(problems);
  const development = parsed.NODE_ENV !== 'production';
  return {
    ...parsed,
    ALLOW_ANONYMOUS_INTROSPECTION: parsed.ALLOW_ANONYMOUS_INTROSPECTION ?? development,
    API_KEY_INTROSPECTION: parsed.API_KEY_INTROSPECTION ?? development,
    SUPERGRAPH_PATH: path.resolve(parsed.SUPERGRAPH_PATH),
    PERSISTED_QUERIES_PATH: path.resolve(parsed.PERSISTED_QUERIES_PATH),
    SUBGRAPH_URLS: urls,
  };
}
