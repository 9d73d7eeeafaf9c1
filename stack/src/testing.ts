import { randomBytes } from 'node:crypto';
import { gatewayConfigFrom, startGateway, type RunningGateway, type StartGatewayOptions } from '@socgraph/gateway';
import { bootstrapUser, type BootstrapUser } from '@socgraph/identity';
import { subgraphUrlVariable, type StartedSubgraph } from '@socgraph/shared';
import {
  createTestDatabase,
  postGraphQL,
  randomSecret,
  type GraphQLResponse,
  type TestDatabase,
} from '@socgraph/testkit';
import { startStack, type RunningStack, type StackOptions } from './stack';

export { postGraphQL, type GraphQLResponse } from '@socgraph/testkit';

/**
 * The whole graph for jest tests: a fresh database on the run's Postgres (global setup),
 * migrated, every subgraph and the gateway on ephemeral ports with random secrets. Seeds
 * nothing; tests create what they need (`seedUser`, then the public API).
 */

export type SeedUserInput = BootstrapUser;

export interface TestStack {
  stack: RunningStack;
  database: TestDatabase;
  /** Gateway base URL. */
  url: string;
  jwtSecret: string;
  internalTokenSecret: string;
  /** POSTs to the gateway's /graphql. */
  gql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<TData>>;
  /** A subgraph's /graphql URL (for tests that bypass the gateway). */
  subgraphUrl(name: string): string;
  /** A subgraph's DataSource. */
  dataSource(name: string): StartedSubgraph['dataSource'];
  /** Logs in through the gateway and returns the bearer token (throws on failure). */
  login(username: string, password: string): Promise<string>;
  /** Inserts a user straight into identity's tables (there is no admin yet to create one). Returns its id. */
  seedUser(input: SeedUserInput): Promise<string>;
  /** The first admin: `admin` with this password. Returns its id. */
  seedAdmin(password: string, username?: string): Promise<string>;
  /**
   * Delivers everything on its way to audit now: the gateway's reports and shipped log lines,
   * then every subgraph's outbox (audit's own last, since storing the others' entries does not
   * add to it). Subgraphs' shipped log lines arrive on their own: poll for them.
   */
  flushAudit(): Promise<void>;
  /**
   * A further gateway over this graph's identity and incidents with its own settings (tests of
   * gateway options). The caller stops it.
   */
  startGateway(env?: Record<string, string>, options?: StartGatewayOptions): Promise<RunningGateway>;
  stop(): Promise<void>;
}

// scrypt at its minimum cost: tests create users often and do not need slow hashes.
const TEST_SCRYPT_COST = 1024;

export async function startTestStack(options: Partial<StackOptions> = {}): Promise<TestStack> {
  const database = await createTestDatabase('gateway');
  const jwtSecret = options.jwtSecret ?? randomSecret();
  const internalTokenSecret = options.internalTokenSecret ?? randomSecret();
  let stack: RunningStack;
  try {
    stack = await startStack({
      databaseUrl: database.url,
      port: 0,
      jwtSecret,
      internalTokenSecret,
      ...options,
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        AUDIT_SIGNING_KEY: randomSecret(),
        SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        PASSWORD_SCRYPT_COST: String(TEST_SCRYPT_COST),
        // Tests fire requests faster than any person; rate-limit tests set their own limits.
        RATE_LIMITS: 'default=10000/10000',
        API_KEY_RATE_LIMITS: 'default=10000/10000',
        // Log shipping is on where a test asks for it (`env: { LOG_SHIP_LEVEL: 'warn' }`).
        LOG_SHIP_LEVEL: 'off',
        ...options.env,
      },
    });
  } catch (error) {
    await database.drop();
    throw error;
  }

  const subgraph = (name: string) => {
    const started = stack.subgraphs.get(name);
    if (!started)
      throw new Error(`Subgraph ${name} is not running (running: ${[...stack.subgraphs.keys()].join(', ')})`);
    return started;
  };
  const gql = <TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ) => postGraphQL<TData>(stack.gateway.graphqlUrl, query, variables, headers);

  const seedUser = (input: SeedUserInput): Promise<string> =>
    bootstrapUser(subgraph('identity').dataSource, input, TEST_SCRYPT_COST);

  let stopped: Promise<void> | null = null;
  return {
    stack,
    database,
    url: stack.gateway.url,
    jwtSecret,
    internalTokenSecret,
    gql,
    subgraphUrl: (name) => subgraph(name).graphqlUrl,
    dataSource: (name) => subgraph(name).dataSource,
    async login(username, password) {
      const result = await gql<{ login: { token: string } }>(
        `mutation TestLogin($username: String!, $password: String!) { login(username: $username, password: $password) { token } }`,
        { username, password },
      );
      const token = result.body.data?.login.token;
      if (!token) throw new Error(`login ${username} failed: ${JSON.stringify(result.body.errors)}`);
      return token;
    },
    seedUser,
    seedAdmin: (password, username = 'admin') => seedUser({ username, password, role: 'admin' }),
    startGateway(env = {}, options = {}) {
      const urls = Object.fromEntries(
        ['identity', 'incidents']
          .filter((name) => stack.subgraphs.has(name))
          .map((name) => [subgraphUrlVariable(name), subgraph(name).graphqlUrl]),
      );
      const config = gatewayConfigFrom({
        PORT: '0',
        LOG_LEVEL: 'silent',
        LOG_SHIP_LEVEL: 'off',
        JWT_SECRET: jwtSecret,
        INTERNAL_TOKEN_SECRET: internalTokenSecret,
        ...urls,
        ...env,
      });
      return startGateway(config, { defaultMetrics: false, ...options });
    },
    async flushAudit() {
      const { gateway } = stack;
      await Promise.all([
        gateway.accessLog.flush(),
        gateway.violations.flush(),
        gateway.authEvents.flush(),
        gateway.logShipper?.flush(),
      ]);
      const running = [...stack.subgraphs.values()];
      for (const subgraph of running.filter((s) => s.name !== 'audit')) await subgraph.auditRelay?.flush();
      await stack.subgraphs.get('audit')?.auditRelay?.flush();
    },
    stop: () =>
      (stopped ??= (async () => {
        try {
          await stack.stop();
        } finally {
          await database.drop();
        }
      })()),
  };
}
