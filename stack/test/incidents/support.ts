import { startTestStack, type GraphQLResponse, type TestStack } from '../../src/testing';
import { Headers, signInternalToken, type Principal } from '@socgraph/shared';

export const ADMIN_PASSWORD = 'admin password 1';

export interface Graph {
  stack: TestStack;
  adminToken: string;
  /** Runs an operation through the gateway with a bearer token. */
  as<TData = Record<string, unknown>>(
    token: string,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<TData>>;
  /** Runs an operation through the gateway as admin, failing the test on errors. */
  admin<TData = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<TData>;
  /** Posts straight to the incidents subgraph with a signed principal (what the gateway sends). */
  subgraph<TData = Record<string, unknown>>(
    principal: Principal,
    query: string,
    variables?: Record<string, unknown>,
    requestId?: string,
  ): Promise<GraphQLResponse<TData>>;
}

export async function startGraph(): Promise<Graph> {
  const stack = await startTestStack();
  await stack.seedAdmin(ADMIN_PASSWORD);
  const adminToken = await stack.login('admin', ADMIN_PASSWORD);
  const as = <TData>(token: string, query: string, variables: Record<string, unknown> = {}) =>
    stack.gql<TData>(query, variables, { authorization: `Bearer ${token}` });
  return {
    stack,
    adminToken,
    as,
    async admin<TData>(query: string, variables: Record<string, unknown> = {}) {
      const result = await as<TData>(adminToken, query, variables);
      if (result.body.errors?.length || !result.body.data)
        throw new Error(`admin call failed: ${JSON.stringify(result.body.errors)}`);
      return result.body.data;
    },
    async subgraph<TData>(
      principal: Principal,
      query: string,
      variables: Record<string, unknown> = {},
      requestId?: string,
    ) {
      const token = await signInternalToken(principal, stack.internalTokenSecret, 60);
      const response = await fetch(stack.subgraphUrl('incidents'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [Headers.INTERNAL_TOKEN]: token,
          ...(requestId ? { [Headers.REQUEST_ID]: requestId } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as GraphQLResponse<TData>['body'],
      };
    },
  };
}

export { errorCodes } from '@socgraph/testkit';

/** Creates customers, tags and users through the public API as admin. */
export async function createCustomers(graph: Graph, codes: string[]): Promise<void> {
  for (const code of codes) {
    await graph.admin(`mutation ($c: String!) { createCustomer(input: { code: $c, name: $c }) { code } }`, { c: code });
  }
}

export async function createTags(graph: Graph, names: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const name of names) {
    const data = await graph.admin<{ createTag: { id: string } }>(
      `mutation ($n: String!) { createTag(name: $n) { id } }`,
      { n: name },
    );
    ids[name] = data.createTag.id;
  }
  return ids;
}

export const USER_PASSWORD = 'user password 1';

export async function createUser(
  graph: Graph,
  input: { username: string; role: string; customerCodes?: string[]; tagIds?: string[] },
): Promise<{ id: string; token: string }> {
  const data = await graph.admin<{ createUser: { id: string } }>(
    `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
    {
      input: {
        email: `${input.username}@test.local`,
        password: USER_PASSWORD,
        customerCodes: [],
        tagIds: [],
        ...input,
      },
    },
  );
  return { id: data.createUser.id, token: await graph.stack.login(input.username, USER_PASSWORD) };
}

export async function createAlert(
  graph: Graph,
  input: { name: string; customerCode: string; tagIds?: string[]; source?: string; description?: string },
): Promise<string> {
  const data = await graph.admin<{ createAlert: { id: string } }>(
    `mutation ($input: CreateAlertInput!) { createAlert(input: $input) { id } }`,
    { input: { source: 'test', ...input } },
  );
  return data.createAlert.id;
}

export async function setTagAccess(
  graph: Graph,
  settings: { enabled: boolean; untaggedAlertBehavior: string; defaultTagId?: string | null },
): Promise<void> {
  await graph.admin(
    `mutation ($input: TagAccessSettingsInput!) { updateTagAccessSettings(input: $input) { enabled } }`,
    {
      input: settings,
    },
  );
}
