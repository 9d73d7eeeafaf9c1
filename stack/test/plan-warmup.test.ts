import { DEFAULT_MANIFEST_PATH, readManifest } from '@socgraph/gateway';
import { startTestStack, type TestStack } from '../src/testing';
import { errorCodes, persistedBody, postJson } from './support';

/** The gateway plans the manifest's operations at start, into the cache its executor reads. */
let graph: TestStack;
let admin: Record<string, string>;
const PASSWORD = 'plan warmup password 1';
const manifest = readManifest(DEFAULT_MANIFEST_PATH);
let plansBuilt = 0;

beforeAll(async () => {
  graph = await startTestStack();
  await graph.seedAdmin(PASSWORD);
  admin = { authorization: `Bearer ${await graph.login('admin', PASSWORD)}` };
  // Counts plans built from here on (the gateway's internal planner; warm-up ran at start).
  const planner = (
    graph.stack.gateway.gateway as unknown as { queryPlanner: { buildQueryPlan: (...args: unknown[]) => unknown } }
  ).queryPlanner;
  const build = planner.buildQueryPlan.bind(planner);
  planner.buildQueryPlan = (...args: unknown[]) => {
    plansBuilt += 1;
    return build(...args);
  };
});
afterAll(async () => graph?.stop());

const me = manifest.operations.find((o) => o.name === 'Me');

it('has plans ready for manifest operations, sent by id or as text, with or without their name', async () => {
  expect(me).toBeDefined();
  const before = plansBuilt;
  const url = graph.stack.gateway.graphqlUrl;
  const results = [
    await postJson(url, persistedBody(me!.id), admin),
    await postJson(url, { query: me!.body, operationName: me!.name }, admin),
    await postJson(url, { query: me!.body }, admin),
  ];
  for (const result of results) {
    expect(errorCodes(result)).toEqual([]);
    expect((result.body.data as { me: { username: string } }).me.username).toBe('admin');
  }
  expect(plansBuilt - before).toBe(0);
  // Anything else is planned on first use, as before.
  await graph.gql(`query NotInManifest { me { id } }`, {}, admin);
  expect(plansBuilt - before).toBe(1);
});
