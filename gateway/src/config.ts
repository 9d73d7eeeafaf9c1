import path from 'node:path';
import { commonConfigSchema, configFields, loadConfig } from '@socgraph/shared';
import { z } from 'zod';

/**
 * The gateway's settings, validated once at start with every problem reported together
 * (shared `loadConfig`). Keys keep their environment names, like every other service's config.
 */

/** The subgraphs of the design, in start order; a subgraph's default port is PORT + 1 + its index. */
export const SUBGRAPH_NAMES = ['identity', 'incidents', 'surveillance', 'agents', 'audit'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const isSubgraphName = (name: string): name is SubgraphName =>
  (SUBGRAPH_NAMES as readonly string[]).includes(name);

/** `identity` → `IDENTITY_URL`. */
export const subgraphUrlVariable = (name: SubgraphName): `${Uppercase<SubgraphName>}_URL` =>
  `${name.toUpperCase() as Uppercase<SubgraphName>}_URL`;

export const DEFAULT_SUPERGRAPH_PATH = path.resolve(__dirname, '..', 'supergraph.graphql');

const host = z
  .string()
  .regex(/^[A-Za-z0-9.:-]+$/, 'must be a host name or IP address (127.0.0.1, 0.0.0.0, ::)')
  .default('127.0.0.1');

export const gatewayConfigSchema = commonConfigSchema.extend({
  PORT: configFields.port(4000),
  HOST: host,
  // Optional here: their defaults depend on PORT, so they are filled in after parsing.
  IDENTITY_URL: configFields.url().optional(),
  INCIDENTS_URL: configFields.url().optional(),
  SURVEILLANCE_URL: configFields.url().optional(),
  AGENTS_URL: configFields.url().optional(),
  AUDIT_URL: configFields.url().optional(),
  JWT_SECRET: configFields.secret(),
  PRINCIPAL_CACHE_SECONDS: z.coerce.number().int().min(0).default(5),
  INTROSPECTION: configFields.bool(true),
  ALLOW_ANONYMOUS_INTROSPECTION: configFields.bool(true),
  SUPERGRAPH_PATH: z.string().default(DEFAULT_SUPERGRAPH_PATH),
});

type ParsedGatewayConfig = z.infer<typeof gatewayConfigSchema>;

export type GatewayConfig = Omit<ParsedGatewayConfig, `${Uppercase<SubgraphName>}_URL`> &
  Record<`${Uppercase<SubgraphName>}_URL`, string>;

/** Throws `ConfigError` listing every problem. */
export function gatewayConfigFrom(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = loadConfig(gatewayConfigSchema, env);
  const urlFor = (name: SubgraphName): string => {
    const given = parsed[subgraphUrlVariable(name)];
    if (given) return given;
    // PORT 0 means "any free port": the neighbours cannot be derived, so they stay unset
    // unless given (startStack always passes the real URLs).
    const port = parsed.PORT === 0 ? 0 : parsed.PORT + 1 + SUBGRAPH_NAMES.indexOf(name);
    return `http://127.0.0.1:${port}/graphql`;
  };
  return {
    ...parsed,
    SUPERGRAPH_PATH: path.resolve(parsed.SUPERGRAPH_PATH),
    IDENTITY_URL: urlFor('identity'),
    INCIDENTS_URL: urlFor('incidents'),
    SURVEILLANCE_URL: urlFor('surveillance'),
    AGENTS_URL: urlFor('agents'),
    AUDIT_URL: urlFor('audit'),
  };
}

export const subgraphUrlOf = (config: GatewayConfig, name: SubgraphName): string => config[subgraphUrlVariable(name)];
