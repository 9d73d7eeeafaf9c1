import { gatewayConfigFrom, startGateway, type RunningGateway, type StartGatewayOptions } from '@socgraph/gateway';
import {
  databaseUrlFor,
  subgraphUrlVariable,
  type Logger,
  type StartedSubgraph,
  type SubgraphStartOptions,
} from '@socgraph/shared';
import type { RunningPostgres } from '@socgraph/testkit/embedded-postgres';
import { migrateRegistered, startLocalDatabase, type LocalGraphOptions } from './local-database';
import { portOffsetOf, SUBGRAPHS, type RegisteredSubgraph } from './registry';

/**
 * The whole graph in one process: Postgres (given or embedded), migrations, every registered
 * subgraph and the gateway. Used by `pnpm start` and the test harness, so both run exactly
 * what production runs, only co-located.
 */
export interface StackOptions extends LocalGraphOptions {
  /** Defaults to the committed supergraph file. */
  supergraphSdl?: string;
  /** Further gateway options (an audit sink, extra subgraph URLs, a manifest, ...). */
  gatewayOptions?: Omit<StartGatewayOptions, 'supergraphSdl' | 'logger'>;
  logger?: Logger;
  /** Progress lines (`pnpm start` prints them). */
  log?: (message: string) => void;
}

export interface RunningStack {
  gateway: RunningGateway;
  subgraphs: Map<string, StartedSubgraph>;
  /** The database the subgraphs use (unless overridden per subgraph in env). */
  databaseUrl: string;
  /** The embedded server, when one was started. */
  postgres: RunningPostgres | null;
  /** What the demo seeders reported (logins, counts). */
  seedLines: string[];
  /** Stops one subgraph, keeping its port for `startSubgraph` (outage tests). */
  stopSubgraph(name: string): Promise<void>;
  /** Starts a stopped subgraph again, on the port and settings it had (`env` over them, kept for later restarts: a key rotation). */
  startSubgraph(name: string, env?: NodeJS.ProcessEnv): Promise<StartedSubgraph>;
  /** Stops the gateway, then the subgraphs (reverse start order), then embedded Postgres. */
  stop: () => Promise<void>;
}

export { DEFAULT_DATA_DIR } from './local-database';

function portFor(subgraph: RegisteredSubgraph, options: StackOptions, gatewayPort: number): number {
  const given = options.subgraphPorts?.[subgraph.service.name];
  if (given !== undefined) return given;
  return gatewayPort === 0 ? 0 : gatewayPort + portOffsetOf(subgraph);
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const env = options.env ?? {};
  const log = options.log ?? (() => undefined);
  const gatewayPort = options.port ?? 4000;
  const registered = options.subgraphs ?? SUBGRAPHS;
  const services = registered.map((s) => s.service);

  // Everything started so far, stopped in reverse if a later step fails or on stop().
  const stoppers: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    while (stoppers.length) {
      const next = stoppers.pop();
      if (!next) break;
      try {
        await next.stop();
      } catch (error) {
        errors.push(error);
        options.logger?.error({ err: error }, `stopping ${next.name} failed`);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'Some parts of the stack failed to stop');
  };

  try {
    const database = await startLocalDatabase(options, log);
    const postgres = database.postgres;
    if (postgres) stoppers.push({ name: 'postgres', stop: () => postgres.stop() });
    const databaseUrl = database.url;
    const fallbackUrl = databaseUrl;
    const urlFor = (subgraph: string): string => databaseUrlFor(subgraph, env) ?? fallbackUrl;

    await migrateRegistered(registered, urlFor, log);

    const subgraphs = new Map<string, StartedSubgraph>();
    // Audit first: every other subgraph's outbox relay delivers to it (AUDIT_URL).
    const startOrder = [...registered].sort(
      (a, b) => Number(b.service.name === 'audit') - Number(a.service.name === 'audit'),
    );
    const startOptions = new Map<string, SubgraphStartOptions>();
    for (const subgraph of startOrder) {
      const { service } = subgraph;
      const name = service.name;
      const audit = subgraphs.get('audit');
      const identity = subgraphs.get('identity');
      // Where subgraphs find audit (outbox relays) and identity (incidents checks assignees), unless set.
      const subgraphEnv = {
        ...env,
        ...(audit && !env.AUDIT_URL ? { AUDIT_URL: audit.graphqlUrl } : {}),
        ...(identity && !env.IDENTITY_URL ? { IDENTITY_URL: identity.graphqlUrl } : {}),
      };
      const given: SubgraphStartOptions = {
        databaseUrl: urlFor(name),
        port: portFor(subgraph, options, gatewayPort),
        ...(options.host ? { host: options.host } : {}),
        internalTokenSecret: options.internalTokenSecret,
        jwtSecret: options.jwtSecret,
        env: subgraphEnv,
        ...(options.logger ? { logger: options.logger.child({ service: `subgraph-${name}` }) } : {}),
      };
      const started = await service.start(given);
      // Restarts (tests of an outage) reuse the port, so the gateway and the relays find it again.
      startOptions.set(name, { ...given, port: Number(new URL(started.url).port) });
      stoppers.push({ name: `subgraph ${name}`, stop: () => subgraphs.get(name)?.stop() ?? Promise.resolve() });
      subgraphs.set(name, started);
      log(`Subgraph ${name} at ${started.graphqlUrl}`);
    }

    const seedLines: string[] = [];
    if (options.seedDemo) {
      for (const service of services) {
        const started = subgraphs.get(service.name);
        if (service.seedDemo && started)
          seedLines.push(...(await service.seedDemo(started.dataSource, { env, ...options.seedDemo })));
      }
    }

    const urls = Object.fromEntries(
      [...subgraphs].map(([name, started]) => [subgraphUrlVariable(name), started.graphqlUrl]),
    );
    const config = gatewayConfigFrom({
      ...env,
      PORT: String(gatewayPort),
      ...(options.host ? { HOST: options.host } : {}),
      JWT_SECRET: options.jwtSecret,
      INTERNAL_TOKEN_SECRET: options.internalTokenSecret,
      ...urls,
    });
    const gateway = await startGateway(config, {
      ...options.gatewayOptions,
      ...(options.supergraphSdl ? { supergraphSdl: options.supergraphSdl } : {}),
      ...(options.logger ? { logger: options.logger.child({ service: 'gateway' }) } : {}),
    });
    stoppers.push({ name: 'gateway', stop: () => gateway.stop() });

    const missing = gateway.subgraphNames.filter((name) => !subgraphs.has(name));
    if (missing.length) {
      log(`Warning: the supergraph joins ${missing.join(', ')}, which this stack does not start`);
    }

    let stopping: Promise<void> | null = null;
    return {
      gateway,
      subgraphs,
      databaseUrl,
      postgres,
      seedLines,
      async stopSubgraph(name) {
        const running = subgraphs.get(name);
        if (!running) throw new Error(`Subgraph ${name} is not running`);
        subgraphs.delete(name);
        await running.stop();
      },
      async startSubgraph(name, env) {
        const service = services.find((s) => s.name === name);
        const before = startOptions.get(name);
        if (!service || !before) throw new Error(`Subgraph ${name} is not part of this stack`);
        if (subgraphs.has(name)) throw new Error(`Subgraph ${name} is already running`);
        const given = env ? { ...before, env: { ...before.env, ...env } } : before;
        startOptions.set(name, given);
        const started = await service.start(given);
        subgraphs.set(name, started);
        return started;
      },
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
