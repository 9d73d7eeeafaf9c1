import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache, type OperationVariables } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { addTypenameToDocument } from '@apollo/client/utilities';
import { generatePersistedQueryIdsFromManifest } from '@apollo/persisted-query-lists';
import { Kind, parse, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { addTypename, DEFAULT_MANIFEST_PATH, OPERATIONS_DIR, readManifest } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';

/**
 * Issue #10 item 4: a partner on Apollo Client 4 with `@apollo/persisted-query-lists` runs
 * every manifest operation through the gateway, by id only, and its normalised cache gives
 * back complete data: the manifest bodies carry `__typename` as Apollo's own manifest
 * generator writes them, so fragments on `Alert` or `Customer` match.
 */

const PASSWORD = 'correct horse battery staple';
const manifest = readManifest(DEFAULT_MANIFEST_PATH);

/** The partner's own documents: the `.graphql` sources, which Apollo Client sends by operation name. */
function sourceDocuments(): Map<string, DocumentNode> {
  const definitions = readdirSync(OPERATIONS_DIR)
    .filter((file) => file.endsWith('.graphql'))
    .flatMap((file) => parse(readFileSync(path.join(OPERATIONS_DIR, file), 'utf8')).definitions);
  const fragments = definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  const documents = new Map<string, DocumentNode>();
  for (const definition of definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION || !definition.name) continue;
    // Apollo Client accepts unused fragments in a document; the hash comes from the manifest.
    documents.set(definition.name.value, { kind: Kind.DOCUMENT, definitions: [definition, ...fragments] });
  }
  return documents;
}

/** Fails on what a cache miss looks like: `{}` objects, or an object selected with `id` whose id is missing. */
function incompletePaths(value: unknown, at = 'data'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => incompletePaths(item, `${at}[${index}]`));
  if (!value || typeof value !== 'object') return [];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [at];
  const own = 'id' in value && (value as { id: unknown }).id == null ? [`${at}.id`] : [];
  return [...own, ...entries.flatMap(([key, item]) => incompletePaths(item, `${at}.${key}`))];
}

const withoutTypename = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (key, item: unknown) => (key === '__typename' ? undefined : item)));

describe('manifest operations through Apollo Client 4', () => {
  let stack: TestStack;
  let adminToken: string;
  let alertId: string;

  beforeAll(async () => {
    stack = await startTestStack();
    await stack.seedAdmin(PASSWORD);
    adminToken = await stack.login('admin', PASSWORD);
    const admin = { authorization: `Bearer ${adminToken}` };
    const setup = async (query: string, variables: Record<string, unknown>) => {
      const result = await stack.gql<Record<string, { id?: string }>>(query, variables, admin);
      if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
      return result.body.data ?? {};
    };
    await setup(`mutation { createCustomer(input: { code: "ACME", name: "Acme" }) { code } }`, {});
    const tag = await setup(`mutation { createTag(name: "phishing") { id } }`, {});
    const alert = await setup(`mutation ($i: CreateAlertInput!) { createAlert(input: $i) { id } }`, {
      i: {
        name: 'Suspicious login',
        customerCode: 'ACME',
        source: 'wazuh',
        tagIds: [tag.createTag?.id],
        iocs: [{ value: '203.0.113.7', type: 'ip' }],
      },
    });
    alertId = String(alert.createAlert?.id);
    await setup(`mutation ($a: ID!) { addAlertAsset(alertId: $a, input: { name: "host-1" }) { name } }`, {
      a: alertId,
    });
  });
  afterAll(() => stack?.stop());

  const clientWith = (headers: Record<string, string>) =>
    new ApolloClient({
      cache: new InMemoryCache(),
      link: new PersistedQueryLink(
        generatePersistedQueryIdsFromManifest({ loadManifest: () => Promise.resolve(manifest) }),
      ).concat(new HttpLink({ uri: stack.stack.gateway.graphqlUrl, headers })),
    });

  const variablesOf: Record<string, () => OperationVariables> = {
    Alerts: () => ({ first: 10 }),
    Alert: () => ({ id: alertId }),
    AddAlertComment: () => ({ alertId, comment: 'seen by the SOAR' }),
    Customer: () => ({ code: 'ACME' }),
    Customers: () => ({}),
    Login: () => ({ username: 'admin', password: PASSWORD }),
    Logout: () => ({}),
    Me: () => ({}),
  };

  it('covers every manifest operation', () => {
    expect(Object.keys(variablesOf).sort()).toEqual(manifest.operations.map((o) => o.name).sort());
  });

  it('has the manifest bodies Apollo Client itself would write (its addTypename transform)', () => {
    for (const operation of manifest.operations) {
      expect(operation.body).toBe(print(addTypenameToDocument(parse(operation.body))));
    }
  });

  it.each([
    ['a root selection', `query A { me { id } logout: __typename }`],
    ['introspection', `query I { __schema { types { name fields { name } } } }`],
    [
      'fragments and inline fragments',
      `query F { me { ...U } } fragment U on User { id role { ... on Role { name } } }`,
    ],
    ['an existing __typename', `query T { me { __typename id } }`],
    ['@export', `query E { me @export(as: "x") { id } }`],
  ])('adds __typename exactly where Apollo Client does: %s', (_name, source) => {
    expect(print(addTypename(parse(source)))).toBe(print(addTypenameToDocument(parse(source))));
  });

  it('gives complete data for every operation from its normalised cache', async () => {
    const documents = sourceDocuments();
    // Logout last, on a session of its own.
    const ordered = [...manifest.operations].sort((a, b) => Number(a.name === 'Logout') - Number(b.name === 'Logout'));
    const sessionToken = await stack.login('admin', PASSWORD);
    for (const operation of ordered) {
      const document = documents.get(operation.name);
      if (!document) throw new Error(`no source document for ${operation.name}`);
      const token = operation.name === 'Logout' ? sessionToken : adminToken;
      const client = clientWith(operation.name === 'Login' ? {} : { authorization: `Bearer ${token}` });
      const variables = variablesOf[operation.name]?.() ?? {};
      const definition = document.definitions[0] as OperationDefinitionNode;
      const result =
        definition.operation === 'mutation'
          ? await client.mutate({ mutation: document, variables })
          : await client.query({ query: document, variables, fetchPolicy: 'network-only' });
      expect({ name: operation.name, error: result.error }).toEqual({ name: operation.name, error: undefined });
      expect({ name: operation.name, incomplete: incompletePaths(result.data) }).toEqual({
        name: operation.name,
        incomplete: [],
      });
      if (definition.operation === 'query') {
        // What the cache holds is what the gateway answered for the manifest body.
        const direct = await stack.gql(operation.body, variables, { authorization: `Bearer ${token}` });
        expect(withoutTypename(result.data)).toEqual(withoutTypename(direct.body.data));
        expect(client.readQuery({ query: document, variables })).toEqual(result.data);
      }
    }
  });
});
