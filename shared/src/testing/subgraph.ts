import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { anonymousPrincipal, type Principal, TAG_RBAC_OFF } from '../auth/principal';
import { Headers, signInternalToken } from '../auth/tokens';
import { requestScope } from '../request-scope';
import type { SubgraphService, StartedSubgraph } from '../server/subgraph-service';
import { createTestDatabase, type TestDatabase } from './databases';

/**
 * One subgraph on a fresh database and an ephemeral port, called the way the gateway calls
 * it: with an internal token for a principal the test chooses. For policy tests that must
 * reach a subgraph directly (`_entities` with a signed principal, refusals without one).
 */
export interface GraphQLResult<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
  requestId: string;
}

export interface TestSubgraph {
  url: string;
  database: TestDatabase;
  dataSource: DataSource;
  internalTokenSecret: string;
  jwtSecret: string;
  server: StartedSubgraph;
  /** Runs a GraphQL operation as `principal` (anonymous when omitted). */
  query<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    principal?: Principal,
  ): Promise<GraphQLResult<TData>>;
  /** Posts with exactly the given headers (for refusal tests). */
  post(body: unknown, headers: Record<string, string>): Promise<GraphQLResult>;
  /** SQL statements the subgraph ran for one request. */
  statementsFor(requestId: string): number;
  stop(): Promise<void>;
}

export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A principal for tests; fields default to an admin with tag RBAC off. */
export function testPrincipal(overrides: Partial<Principal> = {}): Principal {
  return {
    ...anonymousPrincipal(),
    kind: 'user',
    userId: '1',
    username: 'admin',
    role: 'admin',
    tagAccess: TAG_RBAC_OFF,
    ...overrides,
  };
}

async function postGraphQL(url: string, body: unknown, headers: Record<string, string>): Promise<GraphQLResult> {
  const requestId = headers[Headers.REQUEST_ID] ?? randomUUID();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [Headers.REQUEST_ID]: requestId, ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: GraphQLResult['body'];
  try {
    parsed = JSON.parse(text) as GraphQLResult['body'];
  } catch {
    parsed = { errors: [{ message: text }] };
  }
  return { status: response.status, headers: response.headers, body: parsed, requestId };
}

export async function startTestSubgraph(
  service: SubgraphService,
  migrate: (databaseUrl: string) => Promise<void>,
  env: NodeJS.ProcessEnv = {},
): Promise<TestSubgraph> {
  const database = await createTestDatabase(service.name);
  await migrate(database.url);
  const internalTokenSecret = randomSecret();
  const jwtSecret = randomSecret();
  const server = await service.start({
    databaseUrl: database.url,
    port: 0,
    internalTokenSecret,
    jwtSecret,
    // Log shipping off, as in startTestStack: tests that want it turn it on.
    env: { LOG_LEVEL: 'silent', LOG_SHIP_LEVEL: 'off', PASSWORD_SCRYPT_COST: '1024', ...env },
  });
  return {
    url: server.graphqlUrl,
    database,
    dataSource: server.dataSource,
    internalTokenSecret,
    jwtSecret,
    server,
    async query<TData>(
      query: string,
      variables: Record<string, unknown> = {},
      principal: Principal = anonymousPrincipal(),
    ) {
      const token = await signInternalToken(principal, internalTokenSecret, 60);
      return (await postGraphQL(
        server.graphqlUrl,
        { query, variables },
        { [Headers.INTERNAL_TOKEN]: token },
      )) as GraphQLResult<TData>;
    },
    post: (body, headers) => postGraphQL(server.graphqlUrl, body, headers),
    statementsFor: (requestId) => requestScope.statementsFor(requestId),
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}
