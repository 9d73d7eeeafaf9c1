import { randomUUID } from 'node:crypto';
import { agentsMigrations } from '@socgraph/migrations/agents';
import { ok, startTestSubgraph, testPrincipal, type TestSubgraph } from '@socgraph/testkit';
import { createAgentsSubgraph, type CreditsClient } from '../src';

/**
 * The agents subgraph's test harness: the subgraph alone on a fresh database, called with
 * signed principals. Executions are charged through `credits` (a test double keeping billing's
 * semantics in memory, see credits-double.ts); through the gateway they go to identity.
 */
export { ADMIN, countStatements, errorCodes, errorFields, ok, SERVICE } from '@socgraph/testkit';

export const ANALYST_C1 = testPrincipal({
  userId: 'u-analyst',
  username: 'analyst.c1',
  role: 'analyst',
  customerCodes: ['C1'],
});
export const CUSTOMER_C1 = testPrincipal({
  userId: 'u-customer-c1',
  username: 'customer.c1',
  role: 'customer_user',
  customerCodes: ['C1'],
});
export const CUSTOMER_C2 = testPrincipal({
  userId: 'u-customer-c2',
  username: 'customer.c2',
  role: 'customer_user',
  customerCodes: ['C2'],
});
export const AUDITOR = testPrincipal({ userId: 'u-auditor', username: 'auditor', role: 'auditor' });

export async function startAgents(credits?: CreditsClient, env: NodeJS.ProcessEnv = {}): Promise<TestSubgraph> {
  const service = credits ? createAgentsSubgraph({ credits: () => credits }) : createAgentsSubgraph();
  return startTestSubgraph(service, agentsMigrations, env);
}

export async function rows<R = Record<string, unknown>>(
  subgraph: TestSubgraph,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  return (await subgraph.dataSource.query(sql, params)) as R[];
}

export const REGISTER = `mutation ($input: RegisterAgentInput!) {
  registerAgent(input: $input) { id name isActive pricePerExecutionCents runUrl inputSchema ownerId }
}`;

export const EXECUTE = `mutation ($input: ExecuteAgentInput!) {
  executeAgent(input: $input) {
    id status creditsConsumed durationMs responseTimeMs queueTimeMs httpStatus errorCode errorMessage
    output inputSize outputSize idempotencyKey agent { id } user { id }
  }
}`;

let counter = 0;

/** Registers an agent as admin; returns its id. */
export async function registerAgent(
  subgraph: TestSubgraph,
  fields: { runUrl: string; price?: number; inputSchema?: unknown; outputSchema?: unknown; name?: string },
): Promise<string> {
  const data = await ok<{ registerAgent: { id: string } }>(subgraph, REGISTER, {
    input: {
      name: fields.name ?? `agent-${++counter}-${randomUUID().slice(0, 8)}`,
      runUrl: fields.runUrl,
      pricePerExecutionCents: fields.price ?? 25,
      ...(fields.inputSchema !== undefined ? { inputSchema: fields.inputSchema } : {}),
      ...(fields.outputSchema !== undefined ? { outputSchema: fields.outputSchema } : {}),
    },
  });
  return data.registerAgent.id;
}
