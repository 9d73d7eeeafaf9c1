import { randomBytes } from 'node:crypto';
import { hashPassword } from '@socgraph/identity';
import type { StartedSubgraph } from '@socgraph/shared';
import { createTestDatabase, type TestDatabase } from '@socgraph/shared/testing';
import { gatewayConfigFrom } from './config';
import { startGateway, type RunningGateway, type StartGatewayOptions } from './server';
import { startStack, type RunningStack, type StackOptions } from './stack';

/**
 * The whole graph for jest tests: a fresh database on the run's Postgres (global setup),
 * migrated, every subgraph and the gateway on ephemeral ports with random secrets. Seeds
 * nothing; tests create what they need (`seedUser`, then the public API).
 */

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

export interface SeedUserInput {
  username: string;
  password: string;
  role: string;
  email?: string;
  customerCodes?: string[];
}

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

export async function postGraphQL<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: GraphQLResponse<TData>['body'];
  try {
    body = JSON.parse(text) as GraphQLResponse<TData>['body'];
  } catch {
    body = { errors: [{ message: `non-JSON response: ${text.slice(0, 200)}` }] };
  }
  return { status: response.status, headers: response.headers, body };
}

export async function startTestStack(options: Partial<StackOptions> = {}): Promise<TestStack> {
  const database = await createTestDatabase('gateway');
  const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64url');
  const internalTokenSecret = options.internalTokenSecret ?? randomBytes(32).toString('base64url');
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
        AUDIT_SIGNING_KEY: randomBytes(32).toString('base64url'),
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

  const seedUser = async (input: SeedUserInput): Promise<string> => {
    const identity = subgraph('identity').dataSource;
    const passwordHash = await hashPassword(input.password, TEST_SCRYPT_COST);
    const rows = (await identity.query(
      `INSERT INTO identity.users (username, email, password_hash, role_id)
       SELECT $1, $2, $3, r.id FROM identity.roles r WHERE r.name = $4
       RETURNING id::text AS id`,
      [input.username, input.email ?? `${input.username}@test.socgraph.local`, passwordHash, input.role],
    )) as { id: string }[];
    const id = rows[0]?.id;
    if (!id) throw new Error(`seedUser: role ${input.role} does not exist`);
    for (const code of input.customerCodes ?? []) {
      await identity.query(
        `INSERT INTO identity.customers (customer_code, customer_name) VALUES ($1, $1) ON CONFLICT DO NOTHING`,
        [code],
      );
      await identity.query(`INSERT INTO identity.user_customer_access (user_id, customer_code) VALUES ($1, $2)`, [
        id,
        code,
      ]);
    }
    return id;
  };

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
        (['identity', 'incidents'] as const)
          .filter((name) => stack.subgraphs.has(name))
          .map((name) => [`${name.toUpperCase()}_URL`, subgraph(name).graphqlUrl]),
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
