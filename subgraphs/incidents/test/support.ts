import { incidentsMigrations } from '@socgraph/migrations/incidents';
import { startTestSubgraph, testPrincipal, type TestSubgraph } from '@socgraph/testkit';
import { incidentsSubgraph } from '../src';

/**
 * The incidents subgraph's test harness: the subgraph alone, called with signed principals.
 * (Tests that need identity or the gateway too live in stack/test/incidents/.)
 */

export { ADMIN, countStatements, errorCodes, errorFields, ok, SERVICE } from '@socgraph/testkit';
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

/** Rows of a table, for asserting what was (not) written. */
export async function countRows(subgraph: TestSubgraph, table: string): Promise<number> {
  const [row] = (await subgraph.dataSource.query(`SELECT count(*)::int AS n FROM incidents.${table}`)) as {
    n: number;
  }[];
  return row?.n ?? 0;
}
