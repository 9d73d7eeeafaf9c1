import { randomBytes } from 'node:crypto';
import { identityMigrations } from '@socgraph/migrations/identity';
import type { Principal } from '@socgraph/shared';
import { ADMIN, startTestSubgraph, testPrincipal, type TestSubgraph } from '@socgraph/testkit';
import { identitySubgraph } from '../src';

export { ADMIN, countStatements, errorCodes, ok, SERVICE, testPrincipal } from '@socgraph/testkit';

/** The key identity's stored credentials are sealed with in its tests. */
export const TEST_SECRETS_KEY = randomBytes(32).toString('base64');

export async function startIdentity(env: NodeJS.ProcessEnv = {}): Promise<TestSubgraph> {
  return startTestSubgraph(identitySubgraph, identityMigrations, { SECRETS_ENCRYPTION_KEY: TEST_SECRETS_KEY, ...env });
}

export interface CreatedUser {
  id: string;
  username: string;
  principal: Principal;
}

let counter = 0;

/** Creates a user through the API as admin and returns a principal that matches it. */
export async function createUser(
  identity: TestSubgraph,
  fields: { role: string; username?: string; customerCodes?: string[]; tagIds?: string[]; password?: string },
): Promise<CreatedUser> {
  const username = fields.username ?? `${fields.role}_${++counter}_${Date.now() % 100000}`;
  const result = await identity.query<{ createUser: { id: string } }>(
    `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
    {
      input: {
        username,
        email: `${username}@example.com`,
        password: fields.password ?? 'correct horse battery',
        role: fields.role,
        customerCodes: fields.customerCodes ?? [],
        tagIds: fields.tagIds ?? [],
      },
    },
    ADMIN,
  );
  if (!result.body.data?.createUser) throw new Error(`createUser failed: ${JSON.stringify(result.body.errors)}`);
  const id = result.body.data.createUser.id;
  return {
    id,
    username,
    principal: testPrincipal({
      userId: id,
      username,
      role: fields.role,
      customerCodes: fields.customerCodes ?? [],
      tagIds: fields.tagIds ?? [],
    }),
  };
}

export async function createCustomers(identity: TestSubgraph, codes: string[]): Promise<void> {
  for (const code of codes) {
    const result = await identity.query(
      `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { code } }`,
      { input: { code, name: `Customer ${code}` } },
      ADMIN,
    );
    if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  }
}
