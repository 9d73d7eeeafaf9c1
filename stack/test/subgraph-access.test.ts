import { randomBytes } from 'node:crypto';
import { Headers, servicePrincipal, signInternalToken } from '@socgraph/shared';
import { postGraphQL, startTestStack, type TestStack } from '../src/testing';
import { errorCodes, expectNoLeaks } from './support';

/** Subgraph ports must be useless without the gateway's internal token (architecture.md, requests §3). */
let graph: TestStack;
beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin('correct horse battery staple');
});
afterAll(async () => graph?.stop());

const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { username email } } }`;
const REPRESENTATIONS = { r: [{ __typename: 'User', username: 'admin' }] };

describe('direct calls to a subgraph', () => {
  it.each([
    ['a public query', `{ me { username } }`, {}],
    ['login', `mutation { login(username: "admin", password: "correct horse battery staple") { token } }`, {}],
    ['_entities', ENTITIES, REPRESENTATIONS],
    ['_service', `{ _service { sdl } }`, {}],
  ])('refuses %s without an internal token', async (_name, query, variables) => {
    const result = await postGraphQL(graph.subgraphUrl('identity'), query, variables);
    expect(result.status).toBe(401);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.body.data ?? null).toBeNull();
    expectNoLeaks(result);
  });

  it('refuses an internal token signed with another secret', async () => {
    const forged = await signInternalToken(servicePrincipal('intruder'), randomBytes(32).toString('hex'), 60);
    const result = await postGraphQL(graph.subgraphUrl('identity'), ENTITIES, REPRESENTATIONS, {
      [Headers.INTERNAL_TOKEN]: forged,
    });
    expect(result.status).toBe(401);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a user token in place of an internal token', async () => {
    const userToken = await graph.login('admin', 'correct horse battery staple');
    const result = await postGraphQL(graph.subgraphUrl('identity'), ENTITIES, REPRESENTATIONS, {
      [Headers.INTERNAL_TOKEN]: userToken,
      authorization: `Bearer ${userToken}`,
    });
    expect(result.status).toBe(401);
  });

  it('accepts a valid internal token', async () => {
    const token = await signInternalToken(servicePrincipal('test'), graph.internalTokenSecret, 60);
    const result = await postGraphQL<{ _entities: { username: string }[] }>(
      graph.subgraphUrl('identity'),
      ENTITIES,
      REPRESENTATIONS,
      {
        [Headers.INTERNAL_TOKEN]: token,
      },
    );
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?._entities).toEqual([{ username: 'admin', email: 'admin@test.socgraph.local' }]);
  });
});

describe('the gateway', () => {
  it('does not expose _entities or _service to clients', async () => {
    const token = await graph.login('admin', 'correct horse battery staple');
    for (const query of [`{ _service { sdl } }`, ENTITIES]) {
      const result = await graph.gql(query, REPRESENTATIONS, { authorization: `Bearer ${token}` });
      expect(result.body.data ?? null).toBeNull();
      expect(new Set(errorCodes(result))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    }
  });
});
