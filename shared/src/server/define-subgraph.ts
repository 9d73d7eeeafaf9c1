import { readFileSync } from 'node:fs';
import type { DocumentNode } from 'graphql';
import { gql } from 'graphql-tag';
import type { DataSource, EntitySchema, MixedList } from 'typeorm';
import { z } from 'zod';
import { auditMutations, type AuditResourceMap } from '../audit/mutation-audit';
import { graphqlAuditDelivery, OutboxRelay, type AuditDelivery } from '../audit/outbox-relay';
import { ConfigError, configFields, loadConfig, type CommonConfig } from '../config';
import { createSubgraphDataSource, databaseUrlFor } from '../db/data-source';
import { secretBoxFromConfig, SecretBoxError, secretsConfigSchema, type SecretBox } from '../crypto/secret-box';
import type { GraphQLResolverMap } from '../graphql/resolvers';
import { refuseUnstorableInput } from '../graphql/storable-text';
import type { RouteHandler } from './http';
import type { Logger } from '../logger';
import { enforceMutationAccess, mutationAccessProblems, type MutationAccess } from '../policy/mutation-access';
import { createShippingLogger, graphqlLogDelivery, type LogDelivery } from '../reporting/log-shipping';
import { createReporterMetrics } from '../reporting/reporter-metrics';
import { createServiceClient } from './service-client';
import { operatorAccessOf } from './metrics';
import { idempotentExecution, purgeExpiredIdempotencyKeys } from './idempotent-execution';
import { startSubgraphServer, type SubgraphContext } from './subgraph-server';
import type { SubgraphService, SubgraphStartOptions } from './subgraph-service';

/**
 * Everything that differs between subgraphs; `defineSubgraph` does the rest (config with the
 * shared secrets, DataSource on the subgraph's schema, server, readiness, stop) the same way
 * for all five.
 */
export interface SubgraphDefinition<TConfig extends CommonConfig, TContext extends SubgraphContext> {
  name: string;
  /**
   * Where it listens when run alone and no `<NAME>_PORT` is set; `pnpm start` keeps the same
   * distance from the gateway's port (4000 → 4001 for 4001). Unique per subgraph.
   */
  defaultPort: number;
  /**
   * Absolute paths of the subgraph's SDL files, read in order as one document: `schema.graphql`
   * first (its `@link`, Query and Mutation), then one file per area that `extend`s them.
   */
  schemaPaths: readonly string[];
  resolvers: GraphQLResolverMap<TContext>;
  /**
   * Who may run each Mutation field (api.md "Roles" as data, see policy/mutation-access.ts).
   * Every field of the schema's Mutation type needs a rule, or the subgraph does not start.
   */
  mutationAccess: MutationAccess;
  entities: MixedList<EntitySchema>;
  /** Validates the subgraph's settings (env plus the secrets the caller passes). */
  config: (env: NodeJS.ProcessEnv) => TConfig;
  createContext: (deps: { dataSource: DataSource; config: TConfig }, base: SubgraphContext) => TContext;
  seedDemo?: SubgraphService['seedDemo'];
  /**
   * Extra HTTP routes on the subgraph's port, by path (a payment provider's webhook). They
   * bypass the gateway and its internal token: each handler authenticates its own callers.
   */
  routes?: (deps: JobDeps<TConfig>) => Record<string, RouteHandler>;
  /** Background work the subgraph's process runs (schedulers), started after the server, stopped before it. */
  jobs?: (deps: JobDeps<TConfig>) => BackgroundJob[];
  /**
   * The audit trail is on for every subgraph (each public mutation leaves one entry, see
   * audit/mutation-audit.ts; its migration adds the outbox and capture triggers). This only
   * names resources: which GraphQL type a changed table is, and where its id is.
   */
  /**
   * Keyed mutations (Idempotency-Key) are on for every subgraph (server/idempotent-execution.ts;
   * its migration adds `<schema>.idempotency_keys`; answers are sealed with SECRETS_ENCRYPTION_KEY,
   * which every subgraph therefore needs). This only names the Mutation fields whose answer
   * holds a secret shown once, on which a key is refused rather than the answer stored.
   */
  idempotency?: { unreplayable?: readonly string[] };
  audit?: {
    resources?: AuditResourceMap;
    /** Where the relay delivers; default the audit subgraph at AUDIT_URL. Audit itself delivers in-process. */
    delivery?: (deps: { dataSource: DataSource; config: TConfig }) => AuditDelivery;
    /** Where the subgraph's own shipped log lines go (LOG_SHIP_LEVEL); default audit's `_recordLogs` at AUDIT_URL. */
    logDelivery?: (deps: { dataSource: DataSource; config: TConfig }) => LogDelivery;
  };
}

/** A subgraph's background work, e.g. a scheduled run; `stop` waits for a run in progress. */
export interface BackgroundJob {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

export interface JobDeps<TConfig> {
  dataSource: DataSource;
  config: TConfig;
  logger: Logger;
  /** Pass as `onOutboxWrite` to `runAudited`, so a job's audit entry is delivered at once. */
  nudgeAuditRelay: () => void;
}

export interface DefinedSubgraph extends SubgraphService {
  typeDefs: DocumentNode;
  defaultPort: number;
  /** Validates the subgraph's own settings in `env` (secrets included); throws `ConfigError` listing every problem. */
  checkConfig(env: NodeJS.ProcessEnv): void;
  mutationAccess: MutationAccess;
}

export function defineSubgraph<TConfig extends CommonConfig, TContext extends SubgraphContext>(
  definition: SubgraphDefinition<TConfig, TContext>,
): DefinedSubgraph {
  // The SDL files are the schema: read them, do not restate it in code.
  const typeDefs = gql(definition.schemaPaths.map((file) => readFileSync(file, 'utf8')).join('\n'));
  return {
    name: definition.name,
    typeDefs,
    defaultPort: definition.defaultPort,
    mutationAccess: definition.mutationAccess,
    ...(definition.seedDemo ? { seedDemo: definition.seedDemo } : {}),
    checkConfig(env) {
      const problems: string[] = [];
      for (const check of [() => definition.config(env), () => secretBoxOfEnv(env)]) {
        try {
          check();
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          problems.push(...error.problems);
        }
      }
      if (problems.length) throw new ConfigError([...new Set(problems)]);
    },
    async start(options: SubgraphStartOptions) {
      // A write nobody decided on is refused at start, not discovered in production.
      const problems = mutationAccessProblems(definition.name, typeDefs, definition.mutationAccess);
      if (problems.length) throw new Error(`Mutation access rules:\n  ${problems.join('\n  ')}`);
      const config = definition.config({
        ...options.env,
        INTERNAL_TOKEN_SECRET: options.internalTokenSecret,
        JWT_SECRET: options.jwtSecret,
      });
      const box = secretBoxOfEnv(options.env ?? {});
      const dataSource = createSubgraphDataSource({
        subgraph: definition.name,
        url: options.databaseUrl,
        entities: definition.entities,
      });
      // A logger of its own also ships its warnings to audit; a caller's logger is the caller's business.
      const logDelivery =
        definition.audit?.logDelivery?.({ dataSource, config }) ??
        (config.AUDIT_URL
          ? graphqlLogDelivery({ auditUrl: config.AUDIT_URL, client: serviceClientOf(definition.name, config) })
          : null);
      const { logger, shipper: logShipper } = options.logger
        ? { logger: options.logger, shipper: null }
        : createShippingLogger(`subgraph-${definition.name}`, config, logDelivery);
      await dataSource.initialize();
      const delivery =
        definition.audit?.delivery?.({ dataSource, config }) ??
        (config.AUDIT_URL
          ? graphqlAuditDelivery({
              auditUrl: config.AUDIT_URL,
              client: serviceClientOf(definition.name, config),
            })
          : null);
      let relay: OutboxRelay | null = null;
      try {
        const running = await startSubgraphServer(
          {
            name: definition.name,
            typeDefs,
            // Both checks run inside the audit wrapper, so a refused write still leaves its entry;
            // the role check runs first, so a caller without the right learns nothing of its input.
            resolvers: auditMutations(
              enforceMutationAccess(refuseUnstorableInput(definition.resolvers), definition.mutationAccess),
              {
                subgraph: definition.name,
                dataSource,
                resources: definition.audit?.resources ?? {},
                onOutboxWrite: () => relay?.nudge(),
                logger,
              },
            ),
            createContext: (base) => definition.createContext({ dataSource, config }, base),
            execute: idempotentExecution<TContext>({
              subgraph: definition.name,
              dataSource,
              retentionHours: config.IDEMPOTENCY_KEY_RETENTION_HOURS,
              box,
              unreplayable: definition.idempotency?.unreplayable ?? [],
              onCommit: () => relay?.nudge(),
              logger,
            }),
            isReady: async () => {
              await dataSource.query('SELECT 1');
              return true;
            },
            ...(definition.routes
              ? {
                  routes: definition.routes({
                    dataSource,
                    config,
                    logger,
                    nudgeAuditRelay: () => relay?.nudge(),
                  }),
                }
              : {}),
          },
          {
            port: options.port,
            ...(options.host ? { host: options.host } : {}),
            internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
            logger,
            operatorAccess: operatorAccessOf(config),
          },
        );
        const startedRelay = new OutboxRelay({
          subgraph: definition.name,
          dataSource,
          delivery,
          batchSize: config.AUDIT_RELAY_BATCH,
          intervalMs: config.AUDIT_RELAY_INTERVAL_MS,
          maxBackoffMs: config.AUDIT_RELAY_MAX_BACKOFF_MS,
          logger,
          ...(running.metrics ? { registry: running.metrics.registry } : {}),
        });
        relay = startedRelay;
        startedRelay.start();
        if (logShipper && running.metrics) logShipper.observe(createReporterMetrics(running.metrics.registry));
        const jobs = [
          idempotencyPurgeJob(definition.name, dataSource, config, logger),
          ...(definition.jobs?.({ dataSource, config, logger, nudgeAuditRelay: () => startedRelay.nudge() }) ?? []),
        ];
        for (const job of jobs) job.start();
        return {
          ...running,
          dataSource,
          auditRelay: startedRelay,
          stop: async () => {
            await running.stop();
            await Promise.all(jobs.map((job) => job.stop()));
            await startedRelay.stop();
            // Last before the database: audit stores its own lines through it.
            await logShipper?.stop();
            await dataSource.destroy();
          },
        };
      } catch (error) {
        await logShipper?.stop(1_000);
        await dataSource.destroy();
        throw error;
      }
    },
  };
}

/** The keyring every subgraph seals stored idempotent answers with (SECRETS_*; identity and audit also seal credentials). */
function secretBoxOfEnv(env: NodeJS.ProcessEnv): SecretBox {
  const settings = loadConfig(secretsConfigSchema, env);
  try {
    return secretBoxFromConfig(settings);
  } catch (error) {
    if (error instanceof SecretBoxError) throw new ConfigError([error.message]);
    throw error;
  }
}

/** Deletes idempotency keys past IDEMPOTENCY_KEY_RETENTION_HOURS every IDEMPOTENCY_PURGE_INTERVAL_SECONDS. */
function idempotencyPurgeJob(
  subgraph: string,
  dataSource: DataSource,
  config: CommonConfig,
  logger: Logger,
): BackgroundJob {
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;
  const purge = async (): Promise<void> => {
    try {
      const purged = await purgeExpiredIdempotencyKeys(dataSource, subgraph, config.IDEMPOTENCY_KEY_RETENTION_HOURS);
      if (purged) logger.debug({ purged }, 'expired idempotency keys purged');
    } catch (error) {
      logger.warn({ err: error }, 'could not purge expired idempotency keys; retrying at the next interval');
    }
  };
  // Timed from the end of the last run; only the server keeps the process alive.
  const schedule = (): void => {
    if (!running) return;
    timer = setTimeout(() => {
      current = purge().finally(() => {
        current = null;
        schedule();
      });
    }, config.IDEMPOTENCY_PURGE_INTERVAL_SECONDS * 1000);
    timer.unref();
  };
  return {
    name: 'idempotency-key-purge',
    start() {
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}

function serviceClientOf(caller: string, config: CommonConfig) {
  return createServiceClient({
    caller,
    internalTokenSecret: config.INTERNAL_TOKEN_SECRET,
    tokenTtlSeconds: config.INTERNAL_TOKEN_TTL_SECONDS,
    timeoutMs: config.SERVICE_TIMEOUT_MS,
  });
}

/**
 * What a subgraph's own process (production, one subgraph per container) starts with:
 * `<NAME>_PORT`, HOST, the secrets, `<NAME>_DATABASE_URL`/`DATABASE_URL` and the subgraph's own
 * settings, all checked together so every problem is reported at once (`ConfigError`).
 */
export function subgraphProcessOptions(service: DefinedSubgraph, env: NodeJS.ProcessEnv): SubgraphStartOptions {
  const upper = service.name.toUpperCase();
  const problems: string[] = [];
  const collect = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const settings = collect(() =>
    loadConfig(
      z.object({
        [`${upper}_PORT`]: configFields.port(service.defaultPort),
        HOST: z.string().default('127.0.0.1'),
        INTERNAL_TOKEN_SECRET: configFields.secret(),
        JWT_SECRET: configFields.secret(),
      }),
      env,
    ),
  );
  const databaseUrl = databaseUrlFor(service.name, env);
  if (!databaseUrl) problems.push(`${upper}_DATABASE_URL or DATABASE_URL: required`);
  collect(() => service.checkConfig(env));
  // Only unique problems: the subgraph's own config repeats the shared secrets' complaints.
  if (problems.length || !settings || !databaseUrl) throw new ConfigError([...new Set(problems)]);
  return {
    databaseUrl,
    port: Number(settings[`${upper}_PORT`]),
    host: String(settings.HOST),
    internalTokenSecret: String(settings.INTERNAL_TOKEN_SECRET),
    jwtSecret: String(settings.JWT_SECRET),
    env,
  };
}

/** Runs a subgraph as its own process, and stops it cleanly on SIGINT/SIGTERM. */
export function runSubgraphMain(service: DefinedSubgraph): void {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const main = async (): Promise<void> => {
    const running = await service.start(subgraphProcessOptions(service, process.env));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void running.stop().then(() => process.exit(0)));
    }
  };
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
