import { randomUUID } from 'node:crypto';
import { createCustomers, createUser, errorCodes, startGraph, type Graph } from '../incidents/support';

/**
 * Telemetry and responsible-AI records through the gateway: who may ingest and read, the
 * rejection codes of bad samples and ranges, and the audit entries the writes leave.
 */
let graph: Graph;
let c1: { id: string; token: string };
let c2: { id: string; token: string };
let auditor: { id: string; token: string };
let executionId: string;
const AGENT = 'gw-rai-agent';

const RECORD_GPU = `mutation ($input: RecordGpuSamplesInput!) { recordGpuSamples(input: $input) { accepted } }`;
const GPU = `query ($agentId: String!, $from: DateTime!, $to: DateTime!, $bucket: Int!) {
  gpuTelemetry(agentId: $agentId, from: $from, to: $to, bucketSeconds: $bucket) { bucketStart samples utilization { avg min max } } }`;
/** A whole hour a day ago: samples are accepted up to 72 hours old (AGENT_TELEMETRY_MAX_AGE_HOURS). */
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 86_400_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();

beforeAll(async () => {
  graph = await startGraph();
  await createCustomers(graph, ['C1', 'C2']);
  c1 = await createUser(graph, { username: 'rai_c1', role: 'customer_user', customerCodes: ['C1'] });
  c2 = await createUser(graph, { username: 'rai_c2', role: 'customer_user', customerCodes: ['C2'] });
  auditor = await createUser(graph, { username: 'rai_auditor', role: 'auditor' });
  const agents = graph.stack.dataSource('agents');
  for (const [agentId, customer] of [
    ['gw-c1-gpu', 'C1'],
    ['gw-c2-gpu', 'C2'],
  ] as const) {
    await agents.query(
      `INSERT INTO agents.agents (agent_id, hostname, status, customer_code) VALUES ($1, $1, 'active', $2)`,
      [agentId, customer],
    );
  }
  await agents.query(
    `INSERT INTO agents.agent (id, name, run_url, price_per_execution_cents, owner_id) VALUES ($1, 'RAI demo', 'http://127.0.0.1:9/x', 0, 'nobody')`,
    [AGENT],
  );
  executionId = randomUUID();
  await agents.query(
    `INSERT INTO agents.agent_execution (id, execution_id, agent_id, user_id, idempotency_key, request_hash, status, price_cents, completed_at)
     VALUES ($1, $1, $2, $3, $1, 'test', 'success', 0, now())`,
    [executionId, AGENT, c1.id],
  );
});
afterAll(async () => {
  await graph?.stack.stop();
});

describe('telemetry through the gateway', () => {
  it('ingests as admin, refuses others and bad samples, and reads back in the caller’s customer scope', async () => {
    const samples = [10, 30, 80].map((utilization, i) => ({
      agentId: 'gw-c1-gpu',
      recordedAt: at(i * 60_000),
      gpuUtilization: utilization,
    }));
    expect(
      (await graph.admin<{ recordGpuSamples: { accepted: number } }>(RECORD_GPU, { input: { samples } }))
        .recordGpuSamples,
    ).toEqual({
      accepted: 3,
    });
    expect(errorCodes(await graph.as(c1.token, RECORD_GPU, { input: { samples } }))).toEqual(['FORBIDDEN']);
    const bad = await graph.as(graph.adminToken, RECORD_GPU, {
      input: { samples: [{ ...samples[0], gpuUtilization: 120 }] },
    });
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ field: 'input.samples[0].gpuUtilization' });
    // One sample older than the accepted age refuses the whole batch, naming that sample.
    const stale = await graph.as(graph.adminToken, RECORD_GPU, {
      input: {
        samples: [...samples, { ...samples[0], recordedAt: new Date(Date.now() - 100 * 3_600_000).toISOString() }],
      },
    });
    expect(errorCodes(stale)).toEqual(['BAD_USER_INPUT']);
    expect(stale.body.errors?.[0]?.extensions).toMatchObject({ field: 'input.samples[3].recordedAt', maxAgeHours: 72 });
    const ahead = await graph.as(graph.adminToken, RECORD_GPU, {
      input: { samples: [{ ...samples[0], recordedAt: new Date(Date.now() + 3_600_000).toISOString() }] },
    });
    expect(ahead.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.samples[0].recordedAt',
    });

    const range = { from: at(0), to: at(600_000), bucket: 600 };
    const mine = await graph.as<{
      gpuTelemetry: { samples: number; utilization: { avg: number; min: number; max: number } }[] | null;
    }>(c1.token, GPU, { agentId: 'gw-c1-gpu', ...range });
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data!.gpuTelemetry).toEqual([
      { bucketStart: at(0), samples: 3, utilization: { avg: 40, min: 10, max: 80 } },
    ]);
    const theirs = await graph.as<{ gpuTelemetry: unknown }>(c2.token, GPU, { agentId: 'gw-c1-gpu', ...range });
    expect(theirs.body.errors).toBeUndefined();
    expect(theirs.body.data!.gpuTelemetry).toBeNull();
    const tooMany = await graph.as(c1.token, GPU, { agentId: 'gw-c1-gpu', from: at(0), to: at(86_400_000), bucket: 1 });
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.body.errors?.[0]?.extensions).toMatchObject({ field: 'bucketSeconds', maxBuckets: 1000 });

    await graph.stack.flushAudit();
    const trail = await graph.admin<{ auditLog: { edges: { node: { status: string; resourceType: string } }[] } }>(
      `query { auditLog(first: 10, filter: { action: "recordGpuSamples" }) { edges { node { status resourceType } } } }`,
    );
    expect(trail.auditLog.edges.map((e) => e.node)).toEqual(
      expect.arrayContaining([
        { status: 'success', resourceType: 'EndpointAgent' },
        { status: 'failure', resourceType: expect.any(String) },
      ]),
    );
  });
});

describe('responsible-AI records through the gateway', () => {
  it('shows a decision to admins, the auditor and the execution’s user only; reviews are the admins’', async () => {
    const recorded = await graph.admin<{ recordDecisionAudit: { id: string } }>(
      `mutation ($input: RecordDecisionAuditInput!) { recordDecisionAudit(input: $input) { id } }`,
      {
        input: {
          executionId,
          decisionType: 'triage',
          decision: 'escalate',
          confidence: 0.9,
          requiresHumanReview: true,
        },
      },
    );
    const LIST = `query { aiDecisionAudits { totalCount edges { node { id decision execution { id user { username } } } } } }`;
    type List = {
      aiDecisionAudits: { totalCount: number; edges: { node: { id: string; execution: { id: string } | null } }[] };
    };
    const asAuditor = await graph.as<List>(auditor.token, LIST);
    expect(asAuditor.body.errors).toBeUndefined();
    expect(asAuditor.body.data!.aiDecisionAudits.totalCount).toBe(1);
    // The auditor reads the record, not the user's execution behind it.
    expect(asAuditor.body.data!.aiDecisionAudits.edges[0]!.node.execution).toBeNull();
    const asUser = await graph.as<List>(c1.token, LIST);
    expect(asUser.body.data!.aiDecisionAudits.edges.map((e) => e.node)).toEqual([
      {
        id: recorded.recordDecisionAudit.id,
        decision: 'escalate',
        execution: { id: executionId, user: { username: 'rai_c1' } },
      },
    ]);
    const asOther = await graph.as<List>(c2.token, LIST);
    expect(asOther.body.data!.aiDecisionAudits.totalCount).toBe(0);

    const REVIEW = `mutation ($id: ID!) { reviewDecision(id: $id, input: { outcome: APPROVED }) { reviewStatus } }`;
    expect(errorCodes(await graph.as(auditor.token, REVIEW, { id: recorded.recordDecisionAudit.id }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(await graph.admin(REVIEW, { id: recorded.recordDecisionAudit.id })).toEqual({
      reviewDecision: { reviewStatus: 'APPROVED' },
    });
    expect(errorCodes(await graph.as(graph.adminToken, REVIEW, { id: recorded.recordDecisionAudit.id }))).toEqual([
      'CONFLICT',
    ]);

    const report = await graph.admin<{ createEthicsReport: { id: string } }>(
      `mutation { createEthicsReport(input: { agentId: "${AGENT}", title: "Review", riskLevel: LOW }) { id } }`,
    );
    await graph.admin(`mutation ($id: ID!) { submitEthicsReport(id: $id) { status } }`, {
      id: report.createEthicsReport.id,
    });
    const selfReview = await graph.as(
      graph.adminToken,
      `mutation ($id: ID!) { reviewEthicsReport(id: $id, input: { decision: APPROVED }) { status } }`,
      { id: report.createEthicsReport.id },
    );
    expect(errorCodes(selfReview)).toEqual(['FORBIDDEN']);
    const single = await graph.as<{ ethicsReport: { status: string } | null }>(
      c1.token,
      `query ($id: ID!) { ethicsReport(id: $id) { status } }`,
      { id: report.createEthicsReport.id },
    );
    expect(single.body.data!.ethicsReport).toBeNull();
    const asAuditorReport = await graph.as<{ ethicsReport: { status: string } | null }>(
      auditor.token,
      `query ($id: ID!) { ethicsReport(id: $id) { status } }`,
      { id: report.createEthicsReport.id },
    );
    expect(asAuditorReport.body.data!.ethicsReport).toEqual({ status: 'IN_REVIEW' });
  });
});
