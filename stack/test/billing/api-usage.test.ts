import { errorCodes } from '@socgraph/testkit';
import { startTestStack, type TestStack } from '../../src/testing';

/**
 * UsageMetric.apiRequests: the gateway counts each user's GraphQL requests (sessions and API
 * keys alike) and reports the sums to identity; anonymous calls count for nobody.
 */
let graph: TestStack;
const PASSWORD = 'correct horse battery staple';
const today = () => new Date().toISOString().slice(0, 10);
const USAGE = `query ($d: Date!) { me { usage(from: $d, to: $d) { day apiRequests logins } } }`;

beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin(PASSWORD);
  await graph.seedUser({ username: 'counted', password: PASSWORD, role: 'analyst' });
});
afterAll(async () => graph?.stop());

type Usage = { me: { usage: { day: string; apiRequests: number; logins: number }[] } };

it("counts a user's requests through its session and its API key, and nobody's anonymous calls", async () => {
  const auth = { authorization: `Bearer ${await graph.login('counted', PASSWORD)}` };
  const key = await graph.gql<{ createApiKey: { secret: string } }>(
    `mutation { createApiKey(input: { clientName: "usage", persistedOnly: false }) { secret } }`,
    {},
    auth,
  );
  const apiKey = { 'x-api-key': key.body.data!.createApiKey.secret };
  for (let i = 0; i < 3; i += 1) expect((await graph.gql(`{ me { username } }`, {}, auth)).status).toBe(200);
  for (let i = 0; i < 2; i += 1) expect((await graph.gql(`{ me { username } }`, {}, apiKey)).status).toBe(200);
  await graph.gql(`{ __typename }`, {}, {});
  await graph.stack.gateway.usage!.flush();

  // createApiKey, three queries by session and two by key: six requests of this user so far.
  const read = await graph.gql<Usage>(USAGE, { d: today() }, auth);
  expect(read.body.errors).toBeUndefined();
  expect(read.body.data!.me.usage).toEqual([{ day: today(), apiRequests: 6, logins: 1 }]);

  // The read itself is counted with the next report.
  await graph.stack.gateway.usage!.flush();
  const again = await graph.gql<Usage>(USAGE, { d: today() }, auth);
  expect(again.body.data!.me.usage[0]?.apiRequests).toBe(7);
});

it('the report is for the gateway only: a user calling it is refused', async () => {
  const auth = { authorization: `Bearer ${await graph.login('counted', PASSWORD)}` };
  const refused = await graph.gql(
    `mutation { _recordApiRequests(counts: [{ userId: "1", day: "${today()}", requests: 1000 }]) }`,
    {},
    auth,
  );
  expect(errorCodes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
});
