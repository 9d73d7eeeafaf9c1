import { startProbeGraph, type ProbeGraph } from '../probe';

/** One deadline (REQUEST_TIMEOUT_MS) bounds a request's whole time and is passed to subgraphs. */
let probeGraph: ProbeGraph;
let auth: Record<string, string>;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  probeGraph = await startProbeGraph({ env: { SUBGRAPH_TIMEOUTS: 'probe=20000', REQUEST_TIMEOUT_MS: '1500' } });
  await probeGraph.graph.seedAdmin(PASSWORD);
  auth = { authorization: `Bearer ${await probeGraph.graph.login('admin', PASSWORD)}` };
});
afterAll(async () => probeGraph?.stop());

it('ends a request at its deadline, shorter than the subgraph timeout, and keeps the rest', async () => {
  const started = Date.now();
  const result = await probeGraph.graph.gql(`{ me { username } slowProbe(ms: 10000) }`, {}, auth);
  // Ended by the 1.5 s deadline, not by the probe's 10 s nor the subgraph's 20 s timeout (margin for a loaded CI machine).
  expect(Date.now() - started).toBeLessThan(6_000);
  expect(result.body.errors).toHaveLength(1);
  expect(result.body.data).toEqual({ me: { username: 'admin' }, slowProbe: null });
  expect(result.body.errors?.[0]?.extensions).toMatchObject({
    code: 'SUBGRAPH_UNAVAILABLE',
    subgraph: 'probe',
    reason: 'timeout',
  });
});

it('tells the subgraph how long the caller still waits (x-deadline-ms)', async () => {
  const result = await probeGraph.graph.gql<{ probeDeadline: number | null }>(`{ probeDeadline }`, {}, auth);
  const left = result.body.data?.probeDeadline;
  expect(typeof left).toBe('number');
  expect(left).toBeGreaterThan(0);
  expect(left).toBeLessThanOrEqual(1500);
});

it('says the outcome of a mutation that timed out is unknown', async () => {
  const result = await probeGraph.graph.gql(`mutation { slowProbeWrite(ms: 10000) }`, {}, auth);
  expect(result.body.data).toEqual({ slowProbeWrite: null });
  expect(result.body.errors?.[0]).toMatchObject({
    path: ['slowProbeWrite'],
    message: expect.stringMatching(/outcome of this mutation is unknown/),
    extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'probe', reason: 'timeout', outcome: 'UNKNOWN' },
  });
});

it('says a retry is safe when the timed-out mutation carried an Idempotency-Key', async () => {
  const result = await probeGraph.graph.gql(
    `mutation { slowProbeWrite(ms: 10000) }`,
    {},
    {
      ...auth,
      'idempotency-key': 'deadline-test-1',
    },
  );
  expect(result.body.errors?.[0]).toMatchObject({
    path: ['slowProbeWrite'],
    message: expect.stringMatching(/retrying with the same Idempotency-Key is safe/),
    extensions: { code: 'SUBGRAPH_UNAVAILABLE', reason: 'timeout', outcome: 'UNKNOWN', retrySafe: true },
  });
  const unkeyed = await probeGraph.graph.gql(`mutation { slowProbeWrite(ms: 10000) }`, {}, auth);
  expect(unkeyed.body.errors?.[0]?.extensions).toMatchObject({ outcome: 'UNKNOWN', retrySafe: false });
  expect(unkeyed.body.errors?.[0]?.message).toMatch(/send an Idempotency-Key/);
});
