import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { commonConfigSchema, ConfigError, configFields, loadConfig } from '@socgraph/shared';
import { z } from 'zod';

export const agentsConfigSchema = commonConfigSchema.extend({
  /**
   * Identity's /graphql, where executions reserve, capture and release credits (as the service
   * principal). Required in production; without it, executing a priced agent fails.
   */
  IDENTITY_URL: configFields.url().optional(),
  /**
   * Origins (`https://agents.example.com`, `http://10.0.0.5:8080`), comma-separated, whose URLs
   * agents may be registered with and executed at. Loopback (localhost, 127.0.0.0/8, ::1) is
   * allowed as well outside production. Everything else is refused (SSRF guard).
   */
  AGENT_RUN_URL_ALLOWLIST: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const origins: string[] = [];
      for (const entry of value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)) {
        const origin = originOf(entry);
        if (!origin) ctx.addIssue({ code: 'custom', message: `not an http(s) origin: ${entry}` });
        else origins.push(origin);
      }
      return origins;
    }),
  /** How long an agent may take to answer before the execution is recorded as `timeout`. */
  AGENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /** Largest agent answer read; a larger one is an `error` (AGENT_RESPONSE_TOO_LARGE). */
  AGENT_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(1024 * 1024),
  /**
   * How often the hourly and daily metric rollups run (rounded to seconds): the interval of the
   * `agent-metrics-rollup` scheduled job when it is first created; 0 creates it disabled (tests
   * run the rollup by hand). After that, admins change the schedule (`updateScheduledJob`).
   */
  AGENT_METRICS_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  /** How often the scheduler enqueues due scheduled jobs and the worker runs queued ones; 0: neither runs. */
  AGENT_SCHEDULER_TICK_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  /**
   * Oldest telemetry sample accepted, in hours before now (GPU samples and system metrics): a
   * host replaying a backlog older than this is refused rather than writing into history.
   */
  AGENT_TELEMETRY_MAX_AGE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(366 * 24)
    .default(72),
  /** Outside production: a loopback port for the local demo agent the demo marketplace calls; 0: none. */
  AGENT_DEMO_PORT: configFields.port(0),
  /**
   * The Wazuh indexer (OpenSearch) whose snapshot API the index snapshot schedules call, e.g.
   * `https://wazuh-indexer:9200` (a path prefix is kept; no credentials in the URL). Unset: due
   * snapshot jobs fail at once, without retries, with that reason recorded on the schedule.
   */
  WAZUH_INDEXER_URL: configFields
    .url()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const url = new URL(value);
      if (url.username || url.password)
        ctx.addIssue({ code: 'custom', message: 'must not hold credentials (use WAZUH_INDEXER_USERNAME/PASSWORD)' });
      if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment' });
    })
    .transform((value) => value?.replace(/\/+$/, '')),
  /** Basic-auth user for the indexer (with WAZUH_INDEXER_PASSWORD; both or neither). */
  WAZUH_INDEXER_USERNAME: z.string().max(255).optional(),
  /** Its password: a secret, sent only in the Authorization header, never logged or stored. */
  WAZUH_INDEXER_PASSWORD: z.string().max(1024).optional(),
  /**
   * A PEM file of the CA certificate(s) the indexer's HTTPS certificate must chain to (Wazuh's
   * `root-ca.pem`), trusted for the indexer only and instead of the public roots. Read once at
   * start: an unreadable file, or one without a valid certificate, stops the process.
   */
  WAZUH_INDEXER_CA_FILE: z
    .string()
    .optional()
    .transform((path, ctx) => {
      if (path === undefined) return undefined;
      const read = readCertificates(path);
      if (typeof read === 'string') {
        ctx.addIssue({ code: 'custom', message: read });
        return z.NEVER;
      }
      return read;
    }),
  /** Deadline of one indexer request (headers and body); a late answer is a failed, retried attempt. */
  WAZUH_INDEXER_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** Largest indexer answer read (the snapshot listing of a repository can be long). */
  WAZUH_INDEXER_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(16 * 1024 * 1024),
  /** Largest execution input accepted (serialized JSON). */
  AGENT_MAX_INPUT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
});
export type AgentsConfig = z.infer<typeof agentsConfigSchema>;

/** `scheme://host[:port]` of an http(s) URL without path, credentials, query or fragment; null otherwise. */
function originOf(entry: string): string | null {
  try {
    const url = new URL(entry);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
      return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** The certificates a CA file holds, checked; or why it cannot serve. */
function readCertificates(path: string): { path: string; pem: string } | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `certificate ${i + 1} in ${path} is not a valid X.509 certificate`;
    }
  }
  return { path, pem: blocks.join('\n') };
}

export const agentsConfigFrom = (env: NodeJS.ProcessEnv): AgentsConfig => {
  const config = loadConfig(agentsConfigSchema, env);
  if (config.NODE_ENV === 'production' && !config.IDENTITY_URL)
    throw new ConfigError(['IDENTITY_URL: required in production (executions are charged through identity)']);
  if ((config.WAZUH_INDEXER_USERNAME === undefined) !== (config.WAZUH_INDEXER_PASSWORD === undefined))
    throw new ConfigError(['WAZUH_INDEXER_USERNAME, WAZUH_INDEXER_PASSWORD: set both or neither']);
  if (config.WAZUH_INDEXER_CA_FILE && !config.WAZUH_INDEXER_URL?.startsWith('https:'))
    throw new ConfigError([
      'WAZUH_INDEXER_CA_FILE: needs an https:// WAZUH_INDEXER_URL (it checks the TLS certificate)',
    ]);
  return config;
};
