import type { TestSubgraph } from '@socgraph/testkit';
import { agentsConfigFrom } from '../src/config';
import { InMemoryCredits } from './credits-double';
import {
  ADMIN,
  ANALYST_C1,
  AUDITOR,
  CUSTOMER_C1,
  CUSTOMER_C2,
  SERVICE,
  countStatements,
  errorCodes,
  errorFields,
  ok,
  rows,
  startAgents,
} from './support';

/** GPU and system telemetry: ingestion checks, downsampling against numbers computed here, scoping. */
let agents: TestSubgraph;

/** A whole hour a day ago: inside the accepted age (72 hours by default), an hour of samples all in the past. */
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 86_400_000;
/** Deterministic pseudo-random numbers, so a failure can be reproduced. */
let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

interface Sample {
  agentId: string;
  gpuIndex: number;
  recordedAt: string;
  gpuUtilization: number | null;
  memoryUsed: number;
  memoryTotal: number;
  temperature: number;
  powerUsage: number;
}

const RECORD_GPU = `mutation ($input: RecordGpuSamplesInput!) { recordGpuSamples(input: $input) { accepted } }`;
const RECORD_SYSTEM = `mutation ($input: RecordSystemMetricsInput!) { recordSystemMetrics(input: $input) { accepted } }`;
const GPU = `query ($agentId: String!, $from: DateTime!, $to: DateTime!, $bucket: Int!, $gpu: Int) {
  gpuTelemetry(agentId: $agentId, from: $from, to: $to, bucketSeconds: $bucket, gpuIndex: $gpu) {
    bucketStart gpuIndex samples utilization { avg min max } memoryUsed { avg min max }
    temperature { avg min max } powerUsage { avg min max } inferenceFps { avg min max } } }`;

interface Stats {
  avg: number | null;
  min: number | null;
  max: number | null;
}
interface Bucket {
  bucketStart: string;
  gpuIndex: number;
  samples: number;
  utilization: Stats;
  memoryUsed: Stats;
  temperature: Stats;
  powerUsage: Stats;
  inferenceFps: Stats;
}

async function addEndpoint(subgraph: TestSubgraph, agentId: string, customer: string): Promise<void> {
  await subgraph.dataSource.query(
    `INSERT INTO agents.agents (agent_id, hostname, status, customer_code) VALUES ($1, $2, 'active', $3)`,
    [agentId, `host-${agentId}`, customer],
  );
}

function samplesFor(agentId: string, count: number): Sample[] {
  return Array.from({ length: count }, () => {
    const total = 24_000;
    return {
      agentId,
      gpuIndex: random() < 0.5 ? 0 : 1,
      recordedAt: new Date(T0 + Math.floor(random() * 3_600_000)).toISOString(),
      // Some samples lack utilization: the average must skip them, not count them as 0.
      gpuUtilization: random() < 0.1 ? null : Math.round(random() * 10_000) / 100,
      memoryUsed: Math.floor(random() * total),
      memoryTotal: total,
      temperature: 30 + Math.round(random() * 500) / 10,
      powerUsage: Math.round(random() * 3000) / 10,
    };
  });
}

/** The buckets computed here from the raw samples: floor((t - from) / bucket), per GPU. */
function expectedBuckets(samples: Sample[], from: number, to: number, bucketSeconds: number, gpu?: number) {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const t = Date.parse(s.recordedAt);
    if (t < from || t >= to || (gpu !== undefined && s.gpuIndex !== gpu)) continue;
    const start = from + Math.floor((t - from) / (bucketSeconds * 1000)) * bucketSeconds * 1000;
    const key = `${start}|${s.gpuIndex}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const stats = (values: (number | null)[]): Stats => {
    const present = values.filter((v): v is number => v !== null);
    if (present.length === 0) return { avg: null, min: null, max: null };
    return {
      avg: present.reduce((a, b) => a + b, 0) / present.length,
      min: Math.min(...present),
      max: Math.max(...present),
    };
  };
  return [...groups.entries()]
    .map(([key, group]) => {
      const [start, gpuIndex] = key.split('|').map(Number) as [number, number];
      return {
        bucketStart: new Date(start).toISOString(),
        gpuIndex,
        samples: group.length,
        utilization: stats(group.map((s) => s.gpuUtilization)),
        memoryUsed: stats(group.map((s) => s.memoryUsed)),
        temperature: stats(group.map((s) => s.temperature)),
        powerUsage: stats(group.map((s) => s.powerUsage)),
        inferenceFps: stats(group.map(() => null)),
      };
    })
    .sort((a, b) => a.bucketStart.localeCompare(b.bucketStart) || a.gpuIndex - b.gpuIndex);
}

function expectBucketsClose(actual: Bucket[], expected: ReturnType<typeof expectedBuckets>): void {
  expect(actual.map((b) => [b.bucketStart, b.gpuIndex, b.samples])).toEqual(
    expected.map((b) => [b.bucketStart, b.gpuIndex, b.samples]),
  );
  actual.forEach((bucket, i) => {
    for (const measure of ['utilization', 'memoryUsed', 'temperature', 'powerUsage', 'inferenceFps'] as const) {
      const want = expected[i]![measure];
      const got = bucket[measure];
      for (const stat of ['avg', 'min', 'max'] as const) {
        if (want[stat] === null) expect(got[stat]).toBeNull();
        else expect(got[stat]).toBeCloseTo(want[stat]!, 9);
      }
    }
  });
}

const recorded: Sample[] = [];

beforeAll(async () => {
  agents = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0' });
  for (const customer of ['C1', 'C2'])
    for (let i = 0; i < 3; i++) await addEndpoint(agents, `tm-${customer}-${i}`, customer);
  // Two batches as the scheduler, one as an admin.
  for (const [batch, principal] of [
    [samplesFor('tm-C1-0', 400), SERVICE],
    [samplesFor('tm-C1-0', 300), SERVICE],
    [[...samplesFor('tm-C2-0', 50), ...samplesFor('tm-C1-1', 20)], ADMIN],
  ] as const) {
    const result = await ok<{ recordGpuSamples: { accepted: number } }>(
      agents,
      RECORD_GPU,
      { input: { samples: batch } },
      principal,
    );
    expect(result.recordGpuSamples.accepted).toBe(batch.length);
    recorded.push(...batch);
  }
});
afterAll(async () => agents.stop());

describe('GPU telemetry', () => {
  it('stores every sample of a batch', async () => {
    const [{ n } = { n: -1 }] = await rows<{ n: number }>(agents, `SELECT count(*)::int AS n FROM agents.gpu_stats`);
    expect(n).toBe(recorded.length);
  });

  it('downsamples into buckets aligned on from, with the average, minimum and maximum computed here', async () => {
    const mine = recorded.filter((s) => s.agentId === 'tm-C1-0');
    for (const [fromOffset, toOffset, bucket, gpu] of [
      [0, 3_600_000, 600, undefined],
      [90_000, 3_000_000, 420, undefined],
      [0, 3_600_000, 60, 1],
      [0, 3_600_000, 3600, 0],
    ] as const) {
      const from = T0 + fromOffset;
      const to = T0 + toOffset;
      const data = await ok<{ gpuTelemetry: Bucket[] }>(
        agents,
        GPU,
        {
          agentId: 'tm-C1-0',
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          bucket,
          gpu: gpu ?? null,
        },
        CUSTOMER_C1,
      );
      const expected = expectedBuckets(mine, from, to, bucket, gpu);
      expect(expected.length).toBeGreaterThan(0);
      expectBucketsClose(data.gpuTelemetry, expected);
    }
  });

  it('refuses bad samples with BAD_USER_INPUT naming the field, and stores none of the batch', async () => {
    const good = samplesFor('tm-C1-2', 1)[0]!;
    const cases: [object[], string][] = [
      [[good, { ...good, gpuUtilization: 100.5 }], 'input.samples[1].gpuUtilization'],
      [[{ ...good, temperature: -80 }], 'input.samples[0].temperature'],
      [[{ ...good, memoryUsed: 30_000 }], 'input.samples[0].memoryUsed'],
      [[{ ...good, fanSpeed: 3.5 }], 'input.samples[0].fanSpeed'],
      [[{ ...good, gpuIndex: 64 }], 'input.samples[0].gpuIndex'],
      [[{ ...good, recordedAt: new Date(Date.now() + 3_600_000).toISOString() }], 'input.samples[0].recordedAt'],
      [
        [good, good, good, { ...good, recordedAt: new Date(Date.now() - 73 * 3_600_000).toISOString() }],
        'input.samples[3].recordedAt',
      ],
      [[good, { ...good, agentId: 'no-such-host' }], 'input.samples[1].agentId'],
      [[], 'input.samples'],
      [Array.from({ length: 1001 }, () => good), 'input.samples'],
    ];
    for (const [samples, field] of cases) {
      const result = await agents.query(RECORD_GPU, { input: { samples } }, SERVICE);
      expect({ field, codes: errorCodes(result), fields: errorFields(result) }).toEqual({
        field,
        codes: ['BAD_USER_INPUT'],
        fields: [field],
      });
    }
    const [{ n } = { n: -1 }] = await rows<{ n: number }>(
      agents,
      `SELECT count(*)::int AS n FROM agents.gpu_stats WHERE agent_id = 'tm-C1-2'`,
    );
    expect(n).toBe(0);
  });

  it('lets only the scheduler and admins ingest', async () => {
    const sample = samplesFor('tm-C1-2', 1);
    for (const principal of [ANALYST_C1, CUSTOMER_C1, AUDITOR]) {
      const result = await agents.query(RECORD_GPU, { input: { samples: sample } }, principal);
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    }
  });

  it('refuses ranges with too many buckets, a reversed range and bad bucket sizes', async () => {
    const at = (ms: number) => new Date(T0 + ms).toISOString();
    const cases: [Record<string, unknown>, string][] = [
      [{ from: at(0), to: at(86_400_000), bucket: 60 }, 'bucketSeconds'], // 1440 buckets
      [{ from: at(0), to: at(0), bucket: 60 }, 'to'],
      [{ from: at(1000), to: at(0), bucket: 60 }, 'to'],
      [{ from: at(0), to: at(60_000), bucket: 0 }, 'bucketSeconds'],
      [{ from: at(0), to: at(60_000), bucket: 40 * 86_400 }, 'bucketSeconds'],
      [{ from: at(0), to: at(400 * 86_400_000), bucket: 31 * 86_400 }, 'to'],
    ];
    for (const [args, field] of cases) {
      const result = await agents.query(GPU, { agentId: 'tm-C1-0', ...args }, ADMIN);
      expect({ args, codes: errorCodes(result), fields: errorFields(result) }).toEqual({
        args,
        codes: ['BAD_USER_INPUT'],
        fields: [field],
      });
    }
    // Exactly the maximum is fine.
    const max = await agents.query(GPU, { agentId: 'tm-C1-0', from: at(0), to: at(1000 * 60_000), bucket: 60 }, ADMIN);
    expect(max.body.errors).toBeUndefined();
  });
});

describe('accepted sample age', () => {
  it('takes samples inside AGENT_TELEMETRY_MAX_AGE_HOURS and a few minutes of clock skew, and refuses the batch past them', async () => {
    const short = await startAgents(new InMemoryCredits(), {
      AGENT_METRICS_INTERVAL_MS: '0',
      AGENT_TELEMETRY_MAX_AGE_HOURS: '2',
    });
    try {
      await addEndpoint(short, 'age-host', 'C1');
      const sample = (ageMs: number) => ({
        agentId: 'age-host',
        recordedAt: new Date(Date.now() - ageMs).toISOString(),
      });
      // Just inside both ends: 2 hours less a minute old, and 4 minutes ahead (a fast host clock).
      const inside = [sample(2 * 3_600_000 - 60_000), sample(-4 * 60_000)];
      expect(
        (
          await ok<{ recordGpuSamples: { accepted: number } }>(
            short,
            RECORD_GPU,
            { input: { samples: inside } },
            SERVICE,
          )
        ).recordGpuSamples.accepted,
      ).toBe(2);
      const late = await short.query(
        RECORD_GPU,
        { input: { samples: [...inside, sample(2 * 3_600_000 + 60_000)] } },
        SERVICE,
      );
      expect(errorCodes(late)).toEqual(['BAD_USER_INPUT']);
      expect(late.body.errors?.[0]?.extensions).toMatchObject({ field: 'input.samples[2].recordedAt', maxAgeHours: 2 });
      const [{ n } = { n: -1 }] = await rows<{ n: number }>(short, `SELECT count(*)::int AS n FROM agents.gpu_stats`);
      expect(n).toBe(2);
    } finally {
      await short.stop();
    }
  });

  it('refuses a maximum age outside 1 hour to 366 days at start', () => {
    for (const value of ['0', '8785', 'soon'])
      expect(() =>
        agentsConfigFrom({ INTERNAL_TOKEN_SECRET: 's'.repeat(32), AGENT_TELEMETRY_MAX_AGE_HOURS: value }),
      ).toThrow(/AGENT_TELEMETRY_MAX_AGE_HOURS/);
  });
});

describe('telemetry scoping', () => {
  const range = { from: new Date(T0).toISOString(), to: new Date(T0 + 3_600_000).toISOString(), bucket: 3600 };

  it('answers a single range query only inside the caller’s customers', async () => {
    const read = async (agentId: string, principal: typeof ADMIN) =>
      (await ok<{ gpuTelemetry: Bucket[] | null }>(agents, GPU, { agentId, ...range }, principal)).gpuTelemetry;
    expect(await read('tm-C1-0', CUSTOMER_C1)).not.toBeNull();
    expect(await read('tm-C1-0', CUSTOMER_C2)).toBeNull();
    expect(await read('tm-C1-0', AUDITOR)).toBeNull();
    expect(await read('tm-C2-0', ANALYST_C1)).toBeNull();
    expect((await read('tm-C2-0', ADMIN))!.reduce((sum, b) => sum + b.samples, 0)).toBe(50);
    expect(await read('nope', ADMIN)).toBeNull();
  });

  it('filters the nested field by the endpoint agents listed and resolved as entities', async () => {
    const list = await ok<{
      endpointAgents: { edges: { node: { agentId: string; gpuTelemetry: { samples: number }[] } }[] };
    }>(
      agents,
      `query ($from: DateTime!, $to: DateTime!, $bucket: Int!) { endpointAgents(first: 100) { edges { node {
        agentId gpuTelemetry(from: $from, to: $to, bucketSeconds: $bucket) { samples } } } } }`,
      range,
      CUSTOMER_C2,
    );
    const counts = Object.fromEntries(
      list.endpointAgents.edges.map((e) => [e.node.agentId, e.node.gpuTelemetry.reduce((s, b) => s + b.samples, 0)]),
    );
    expect(counts).toEqual({ 'tm-C2-0': 50, 'tm-C2-1': 0, 'tm-C2-2': 0 });
    const entities = await ok<{ _entities: ({ agentId: string; gpuTelemetry: { samples: number }[] } | null)[] }>(
      agents,
      `query ($r: [_Any!]!, $from: DateTime!, $to: DateTime!, $bucket: Int!) { _entities(representations: $r) {
        ... on EndpointAgent { agentId gpuTelemetry(from: $from, to: $to, bucketSeconds: $bucket) { samples } } } }`,
      {
        ...range,
        r: [
          { __typename: 'EndpointAgent', agentId: 'tm-C1-1' },
          { __typename: 'EndpointAgent', agentId: 'tm-C2-0' },
        ],
      },
      CUSTOMER_C1,
    );
    expect(entities._entities[0]!.gpuTelemetry.reduce((s, b) => s + b.samples, 0)).toBe(20);
    expect(entities._entities[1]).toBeNull();
  });

  it('costs the same statements for 3 and 30 endpoint agents with their telemetry', async () => {
    const fresh = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0' });
    try {
      const query = `query ($first: Int, $from: DateTime!, $to: DateTime!, $bucket: Int!) { endpointAgents(first: $first) {
        edges { node { agentId gpuTelemetry(from: $from, to: $to, bucketSeconds: $bucket) { samples }
          systemMetrics(metric: "cpu.usage_percent", from: $from, to: $to, bucketSeconds: $bucket) { avg } } } } }`;
      const add = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const agentId = `sc-${String(i).padStart(3, '0')}`;
          await addEndpoint(fresh, agentId, 'C1');
          await ok(fresh, RECORD_GPU, { input: { samples: samplesFor(agentId, 3) } }, SERVICE);
          await ok(
            fresh,
            RECORD_SYSTEM,
            {
              input: {
                metrics: [
                  {
                    agentId,
                    component: 'host',
                    metric: 'cpu.usage_percent',
                    value: 10 + i,
                    unit: 'percent',
                    recordedAt: new Date(T0).toISOString(),
                  },
                ],
              },
            },
            SERVICE,
          );
        }
      };
      await add(0, 3);
      const small = await countStatements(fresh, query, { first: 3, ...range }, CUSTOMER_C1);
      await add(3, 30);
      const large = await countStatements(fresh, query, { first: 30, ...range }, CUSTOMER_C1);
      expect(large.result.body.errors).toBeUndefined();
      const edges = (large.result.body.data as { endpointAgents: { edges: { node: { systemMetrics: unknown[] } }[] } })
        .endpointAgents.edges;
      expect(edges).toHaveLength(30);
      expect(edges.every((e) => e.node.systemMetrics.length === 1)).toBe(true);
      expect(small.statements).toBe(large.statements);
    } finally {
      await fresh.stop();
    }
  });
});

describe('system metrics', () => {
  const SYSTEM = `query ($agentId: String, $metric: String!, $component: String, $from: DateTime!, $to: DateTime!, $bucket: Int!) {
    systemMetrics(agentId: $agentId, metric: $metric, component: $component, from: $from, to: $to, bucketSeconds: $bucket) {
      bucketStart component unit samples avg min max } }`;
  const values = [12, 48.5, 97, 33, 61.25, 5];

  beforeAll(async () => {
    const metrics = values.flatMap((value, i) => [
      // Host tm-C1-0, one value every 10 minutes.
      {
        agentId: 'tm-C1-0',
        component: 'host',
        metric: 'cpu.usage_percent',
        value,
        unit: 'percent',
        recordedAt: new Date(T0 + i * 600_000).toISOString(),
      },
      // The platform's own gateway.
      {
        component: 'gateway',
        metric: 'cpu.usage_percent',
        value: value / 2,
        unit: 'percent',
        recordedAt: new Date(T0 + i * 600_000).toISOString(),
      },
    ]);
    await ok(agents, RECORD_SYSTEM, { input: { metrics } }, SERVICE);
  });

  it('downsamples a host metric and the platform’s', async () => {
    const args = {
      metric: 'cpu.usage_percent',
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 3_600_000).toISOString(),
      bucket: 1800,
    };
    const host = await ok<{
      systemMetrics: { samples: number; avg: number; min: number; max: number; component: string }[];
    }>(agents, SYSTEM, { ...args, agentId: 'tm-C1-0' }, CUSTOMER_C1);
    const halves = [values.slice(0, 3), values.slice(3)];
    expect(host.systemMetrics).toHaveLength(2);
    host.systemMetrics.forEach((bucket, i) => {
      const half = halves[i]!;
      expect(bucket.component).toBe('host');
      expect(bucket.samples).toBe(3);
      expect(bucket.avg).toBeCloseTo(half.reduce((a, b) => a + b, 0) / 3, 9);
      expect(bucket.min).toBe(Math.min(...half));
      expect(bucket.max).toBe(Math.max(...half));
    });
    const platform = await ok<{ systemMetrics: { avg: number; samples: number }[] | null }>(
      agents,
      SYSTEM,
      args,
      ADMIN,
    );
    expect(platform.systemMetrics!.map((b) => b.samples)).toEqual([3, 3]);
    expect(platform.systemMetrics![0]!.avg).toBeCloseTo((12 + 48.5 + 97) / 6, 9);
    for (const principal of [CUSTOMER_C1, ANALYST_C1, AUDITOR]) {
      expect((await ok<{ systemMetrics: unknown }>(agents, SYSTEM, args, principal)).systemMetrics).toBeNull();
    }
    expect(
      (await ok<{ systemMetrics: unknown }>(agents, SYSTEM, { ...args, agentId: 'tm-C1-0' }, CUSTOMER_C2))
        .systemMetrics,
    ).toBeNull();
  });

  it('refuses bad values with BAD_USER_INPUT', async () => {
    const base = { component: 'host', metric: 'mem.used_bytes', value: 1, recordedAt: new Date(T0).toISOString() };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, unit: 'percent', value: 140 }, 'input.metrics[0].value'],
      [{ ...base, metric: 'CPU Usage' }, 'input.metrics[0].metric'],
      [{ ...base, component: '' }, 'input.metrics[0].component'],
      [{ ...base, agentId: 'nope' }, 'input.metrics[0].agentId'],
      [{ ...base, recordedAt: new Date(Date.now() - 73 * 3_600_000).toISOString() }, 'input.metrics[0].recordedAt'],
      [{ ...base, recordedAt: new Date(Date.now() + 10 * 60_000).toISOString() }, 'input.metrics[0].recordedAt'],
    ];
    for (const [metric, field] of cases) {
      const result = await agents.query(RECORD_SYSTEM, { input: { metrics: [metric] } }, SERVICE);
      expect({ field, codes: errorCodes(result), fields: errorFields(result) }).toEqual({
        field,
        codes: ['BAD_USER_INPUT'],
        fields: [field],
      });
    }
  });
});
