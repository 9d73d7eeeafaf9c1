import { z } from 'zod';

/** Thrown at startup with every configuration problem listed at once (Hive's approach). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates an environment against a zod object schema and returns one typed object.
 * Empty strings count as unset, so `FOO=` in a shell falls back to the default.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return result.data;
}

/** `identity` → `IDENTITY_URL`: the setting that says where a subgraph's /graphql listens. */
export const subgraphUrlVariable = (name: string): string => `${name.toUpperCase()}_URL`;

/** Reusable field schemas, so every service spells its settings the same way. */
export const configFields = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  url: () => z.url({ protocol: /^https?$/ }),
  postgresUrl: () => z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  secret: () => z.string().min(32, 'must be at least 32 characters'),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  seconds: (fallback: number) => z.coerce.number().int().positive().default(fallback),
};

/** Settings every service reads: the internal token secret, environment and log level. */
export const commonConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  INTERNAL_TOKEN_SECRET: configFields.secret(),
  INTERNAL_TOKEN_TTL_SECONDS: configFields.seconds(60),
  /** Longest wait for one service-to-service call (principals, tag settings, reports, assignee checks). */
  SERVICE_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** The audit subgraph's /graphql, where each subgraph's outbox relay delivers its audit trail. */
  AUDIT_URL: configFields.url().optional(),
  AUDIT_RELAY_INTERVAL_MS: z.coerce.number().int().positive().default(1000),
  AUDIT_RELAY_BATCH: z.coerce.number().int().min(1).max(1000).default(200),
  AUDIT_RELAY_MAX_BACKOFF_MS: z.coerce.number().int().positive().default(30_000),
  /** How long a mutation's Idempotency-Key answers its first outcome (docs/operations.md "Idempotency"). */
  IDEMPOTENCY_KEY_RETENTION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .default(24),
  /** How often a subgraph deletes keys past their retention (one replica at a time). */
  IDEMPOTENCY_PURGE_INTERVAL_SECONDS: z.coerce.number().int().positive().default(600),
  /** A service's own log lines at or above this level also go to audit's application logs; `off`: stdout only. */
  LOG_SHIP_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'off']).default('warn'),
  LOG_SHIP_BUFFER: z.coerce.number().int().min(1).default(2000),
  // Audit's `_recordLogs` takes at most 1000 lines per call.
  LOG_SHIP_BATCH: z.coerce.number().int().min(1).max(1000).default(100),
  LOG_SHIP_FLUSH_MS: z.coerce.number().int().positive().default(1000),
  /** When set, `/metrics` (and the gateway's per-subgraph `/ready` detail) need `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Without METRICS_TOKEN, whether `/metrics` and readiness detail are open to anyone; default: on outside production. */
  METRICS_OPEN: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .optional(),
});
export type CommonConfig = z.infer<typeof commonConfigSchema>;
