import { randomBytes, randomUUID } from 'node:crypto';
import { migrate, type MigrationClass } from '@socgraph/migrations';
import {
  anonymousPrincipal,
  Headers,
  requestScope,
  signInternalToken,
  type Principal,
  type StartedSubgraph,
  type SubgraphService,
} from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './databases';
import { postJson, type GraphQLResponse } from './graphql';
import { ADMIN, randomSecret } from './principals';

/** A subgraph's answer, with the request id it ran under (for statement counts). */
export interface GraphQLResult<TData = Record<string, unknown>> extends GraphQLResponse<TData> {
  requestId: string;
}

/**
 * One subgraph on a fresh database and an ephemeral port, called the way the gateway calls
 * it: with an internal token for a principal the test chooses. Each subgraph's tests use this
 * one harness; tests that need several subgraphs or the gateway live in the stack package.
 */
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

async function postWithRequestId(url: string, body: unknown, headers: Record<string, string>): Promise<GraphQLResult> {
  const requestId = headers[Headers.REQUEST_ID] ?? randomUUID();
  const response = await postJson(url, body, { [Headers.REQUEST_ID]: requestId, ...headers });
  return { ...response, requestId };
}

/** Starts `service` on a fresh database migrated with its schema's `migrations`. */
export async function startTestSubgraph(
  service: SubgraphService,
  migrations: readonly MigrationClass[],
  env: NodeJS.ProcessEnv = {},
): Promise<TestSubgraph> {
  const database = await createTestDatabase(service.name);
  await migrate({ urlFor: () => database.url, schemas: [{ name: service.name, migrations }] });
  const internalTokenSecret = randomSecret();
  const jwtSecret = randomSecret();
  const server = await service.start({
    databaseUrl: database.url,
    port: 0,
    internalTokenSecret,
    jwtSecret,
    // Log shipping off, as in startTestStack: tests that want it turn it on. Every subgraph
    // seals its stored idempotent answers, so each needs a key (a test may name its own).
    env: {
      LOG_LEVEL: 'silent',
      LOG_SHIP_LEVEL: 'off',
      PASSWORD_SCRYPT_COST: '1024',
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ...env,
    },
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
      return (await postWithRequestId(
        server.graphqlUrl,
        { query, variables },
        { [Headers.INTERNAL_TOKEN]: token },
      )) as GraphQLResult<TData>;
    },
    post: (body, headers) => postWithRequestId(server.graphqlUrl, body, headers),
    statementsFor: (requestId) => requestScope.statementsFor(requestId),
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}

/** Runs an operation as `principal` (the admin when omitted) and fails the test with its errors when there are any. */
export async function ok<TData = Record<string, unknown>>(
  subgraph: TestSubgraph,
  query: string,
  variables: Record<string, unknown> = {},
  principal: Principal = ADMIN,
): Promise<TData> {
  const result = await subgraph.query<TData>(query, variables, principal);
  if (result.body.errors?.length || !result.body.data) {
    throw new Error(`operation failed: ${JSON.stringify(result.body.errors)}`);
  }
  return result.body.data;
}

/** Runs an operation under a request id of our own and returns the SQL statements it ran. */
export async function countStatements(
  subgraph: TestSubgraph,
  query: string,
  variables: Record<string, unknown>,
  principal: Principal = ADMIN,
): Promise<{ result: GraphQLResult; statements: number }> {
  const requestId = randomUUID();
  const token = await signInternalToken(principal, subgraph.internalTokenSecret, 60);
  const result = await subgraph.post(
    { query, variables },
    { [Headers.INTERNAL_TOKEN]: token, [Headers.REQUEST_ID]: requestId },
  );
  return { result, statements: subgraph.statementsFor(requestId) };
}
