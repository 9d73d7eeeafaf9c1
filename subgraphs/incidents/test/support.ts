import { randomUUID } from 'node:crypto';
import { incidentsMigrations } from '@socgraph/migrations/incidents';
import { Headers, signInternalToken, type Principal } from '@socgraph/shared';
import { ADMIN, startTestSubgraph, testPrincipal, type GraphQLResult, type TestSubgraph } from '@socgraph/testkit';
import { incidentsSubgraph } from '../src';

/**
 * The incidents subgraph's test harness: the subgraph alone, called with signed principals.
 * (Tests that need identity or the gateway too live in stack/test/incidents/.)
 */

export { ADMIN, errorCodes, errorFields, SERVICE } from '@socgraph/testkit';
/** An analyst limited to customer C1. */
export const ANALYST_C1 = testPrincipal({
  userId: '2',
  username: 'analyst.c1',
  role: 'analyst',
  customerCodes: ['C1'],
});
/** An analyst without customer rows: sees every customer. */
export const ANALYST_ALL = testPrincipal({ userId: '3', username: 'analyst.all', role: 'analyst' });
export const CUSTOMER_USER = testPrincipal({
  userId: '4',
  username: 'customer.c1',
  role: 'customer_user',
  customerCodes: ['C1'],
});
export const AUDITOR = testPrincipal({ userId: '5', username: 'auditor', role: 'auditor' });

export async function startIncidents(): Promise<TestSubgraph> {
  return startTestSubgraph(incidentsSubgraph, incidentsMigrations);
}

/** Runs an operation and fails the test with the errors when there are any. */
export async function ok<TData = Record<string, unknown>>(
  subgraph: TestSubgraph,
  query: string,
  variables: Record<string, unknown> = {},
  principal: Principal = ADMIN,
): Promise<TData> {
  const result = await subgraph.query<TData>(query, variables, principal);
  if (result.body.errors || !result.body.data) throw new Error(JSON.stringify(result.body.errors));
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

/** Rows of a table, for asserting what was (not) written. */
export async function countRows(subgraph: TestSubgraph, table: string): Promise<number> {
  const [row] = (await subgraph.dataSource.query(`SELECT count(*)::int AS n FROM incidents.${table}`)) as {
    n: number;
  }[];
  return row?.n ?? 0;
}
