import { randomUUID } from 'node:crypto';
import { testPrincipal, type TestSubgraph } from '@socgraph/testkit';
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

/** Responsible-AI records: writes and their checks, the review workflows, and who sees what by every path. */
let agents: TestSubgraph;

const ADMIN2 = testPrincipal({ userId: '99', username: 'second.admin' });
/** ANALYST_C1 owns agent A; nobody of the tests owns agent B. */
const A = 'rai-agent-a';
const B = 'rai-agent-b';
const executions = { a1: '', a2: '', b1: '', b2: '' };

async function addAgent(subgraph: TestSubgraph, id: string, owner: string): Promise<void> {
  await subgraph.dataSource.query(
    `INSERT INTO agents.agent (id, name, run_url, price_per_execution_cents, owner_id) VALUES ($1, $1, 'http://127.0.0.1:9/x', 0, $2)`,
    [id, owner],
  );
}

async function addExecution(subgraph: TestSubgraph, agentId: string, userId: string): Promise<string> {
  const id = randomUUID();
  await subgraph.dataSource.query(
    `INSERT INTO agents.agent_execution (id, execution_id, agent_id, user_id, idempotency_key, request_hash, status, price_cents, completed_at)
     VALUES ($1, $1, $2, $3, $1, 'test', 'success', 0, now())`,
    [id, agentId, userId],
  );
  return id;
}

const RECORD_DECISION = `mutation ($input: RecordDecisionAuditInput!) { recordDecisionAudit(input: $input) {
  id executionId reviewStatus confidence factors agent { id } } }`;
const REVIEW_DECISION = `mutation ($id: ID!, $input: ReviewDecisionInput!) { reviewDecision(id: $id, input: $input) {
  id reviewStatus reviewedBy overriddenDecision } }`;
const RECORD_BIAS = `mutation ($input: RecordBiasDetectionInput!) { recordBiasDetection(input: $input) { id status severity } }`;
const RECORD_FAIRNESS = `mutation ($input: RecordFairnessMetricsInput!) { recordFairnessMetrics(input: $input) {
  id metricName protectedAttribute value passed } }`;
const CREATE_REPORT = `mutation ($input: CreateEthicsReportInput!) { createEthicsReport(input: $input) { id status createdBy } }`;
const SUBMIT_REPORT = `mutation ($id: ID!) { submitEthicsReport(id: $id) { id status submittedAt } }`;
const REVIEW_REPORT = `mutation ($id: ID!, $input: ReviewEthicsReportInput!) { reviewEthicsReport(id: $id, input: $input) {
  id status reviewedBy reviewNotes } }`;

const decide = (executionId: string, extra: Record<string, unknown> = {}) =>
  ok<{ recordDecisionAudit: { id: string; reviewStatus: string } }>(
    agents,
    RECORD_DECISION,
    {
      input: {
        executionId,
        decisionType: 'phishing_verdict',
        decision: 'malicious',
        confidence: 0.87,
        explanation: 'Sender domain registered yesterday; link text and target differ',
        factors: { domainAge: 0.6, linkMismatch: 0.3 },
        modelVersion: 'clf-2026.05',
        ...extra,
      },
    },
    SERVICE,
  );

let reportA: string;

beforeAll(async () => {
  agents = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0' });
  await addAgent(agents, A, ANALYST_C1.userId!);
  await addAgent(agents, B, 'u-other');
  executions.a1 = await addExecution(agents, A, CUSTOMER_C1.userId!);
  executions.a2 = await addExecution(agents, A, CUSTOMER_C2.userId!);
  executions.b1 = await addExecution(agents, B, CUSTOMER_C1.userId!);
  executions.b2 = await addExecution(agents, B, CUSTOMER_C2.userId!);
  for (const execution of Object.values(executions)) await decide(execution);
  for (const agentId of [A, B]) {
    await ok(
      agents,
      RECORD_BIAS,
      {
        input: {
          agentId,
          biasType: 'demographic_parity',
          protectedAttribute: 'region',
          severity: 'HIGH',
          biasScore: 0.31,
          threshold: 0.1,
        },
      },
      SERVICE,
    );
    await ok(
      agents,
      RECORD_FAIRNESS,
      {
        input: {
          agentId,
          periodStart: '2026-05-01T00:00:00.000Z',
          periodEnd: '2026-06-01T00:00:00.000Z',
          metrics: [
            {
              metricName: 'disparate_impact_ratio',
              protectedAttribute: 'region',
              value: 0.76,
              threshold: 0.8,
              passed: false,
              sampleSize: 420,
            },
            {
              metricName: 'equal_opportunity_difference',
              protectedAttribute: 'region',
              value: 0.04,
              threshold: 0.1,
              passed: true,
              sampleSize: 420,
            },
          ],
        },
      },
      SERVICE,
    );
  }
  reportA = (
    await ok<{ createEthicsReport: { id: string } }>(
      agents,
      CREATE_REPORT,
      {
        input: {
          agentId: A,
          title: 'May review of agent A',
          riskLevel: 'MEDIUM',
          findings: [{ issue: 'region skew' }],
        },
      },
      ADMIN,
    )
  ).createEthicsReport.id;
  await ok(agents, CREATE_REPORT, { input: { agentId: B, title: 'May review of agent B', riskLevel: 'LOW' } }, ADMIN);
});
afterAll(async () => agents.stop());

describe('responsible-AI writes', () => {
  it('records decisions with the execution’s agent, and refuses bad input', async () => {
    const recorded = await ok<{
      recordDecisionAudit: { executionId: string; agent: { id: string }; factors: unknown };
    }>(
      agents,
      RECORD_DECISION,
      { input: { executionId: executions.b1, decisionType: 'triage', decision: 'escalate' } },
      ADMIN,
    );
    expect(recorded.recordDecisionAudit).toMatchObject({ executionId: executions.b1, agent: { id: B }, factors: {} });
    const bad: [Record<string, unknown>, string, string][] = [
      [{ executionId: 'nope', decisionType: 't', decision: 'd' }, 'NOT_FOUND', 'undefined'],
      [
        { executionId: executions.a1, decisionType: 't', decision: 'd', confidence: 1.5 },
        'BAD_USER_INPUT',
        'input.confidence',
      ],
      [{ executionId: executions.a1, decisionType: '', decision: 'd' }, 'BAD_USER_INPUT', 'input.decisionType'],
      [
        { executionId: executions.a1, decisionType: 't', decision: 'x'.repeat(501) },
        'BAD_USER_INPUT',
        'input.decision',
      ],
    ];
    for (const [input, code, field] of bad) {
      const result = await agents.query(RECORD_DECISION, { input }, SERVICE);
      expect({ input, codes: errorCodes(result), fields: errorFields(result) }).toEqual({
        input,
        codes: [code],
        fields: [field],
      });
    }
    for (const principal of [AUDITOR, ANALYST_C1, CUSTOMER_C1]) {
      const result = await agents.query(RECORD_DECISION, { input: bad[0]![0] }, principal);
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    }
  });

  it('reviews a pending decision once: approved, or overridden with the replacing decision', async () => {
    const pending = (await decide(executions.a1, { requiresHumanReview: true })).recordDecisionAudit;
    expect(pending.reviewStatus).toBe('PENDING');
    const noReplacement = await agents.query(
      REVIEW_DECISION,
      { id: pending.id, input: { outcome: 'OVERRIDDEN' } },
      ADMIN,
    );
    expect(errorFields(noReplacement)).toEqual(['input.overriddenDecision']);
    const reviewed = await ok<{ reviewDecision: unknown }>(
      agents,
      REVIEW_DECISION,
      { id: pending.id, input: { outcome: 'OVERRIDDEN', overriddenDecision: 'benign', notes: 'Known newsletter' } },
      ADMIN,
    );
    expect(reviewed.reviewDecision).toEqual({
      id: pending.id,
      reviewStatus: 'OVERRIDDEN',
      reviewedBy: 'admin',
      overriddenDecision: 'benign',
    });
    const again = await agents.query(REVIEW_DECISION, { id: pending.id, input: { outcome: 'APPROVED' } }, ADMIN);
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    const notPending = (await decide(executions.a1)).recordDecisionAudit;
    expect(
      errorCodes(await agents.query(REVIEW_DECISION, { id: notPending.id, input: { outcome: 'APPROVED' } }, ADMIN)),
    ).toEqual(['CONFLICT']);
    expect(
      errorCodes(await agents.query(REVIEW_DECISION, { id: '999999', input: { outcome: 'APPROVED' } }, ADMIN)),
    ).toEqual(['NOT_FOUND']);
    expect(
      errorCodes(await agents.query(REVIEW_DECISION, { id: pending.id, input: { outcome: 'APPROVED' } }, AUDITOR)),
    ).toEqual(['FORBIDDEN']);
  });

  it('replaces a fairness metric recorded again for the same period, and refuses bad batches', async () => {
    const input = {
      agentId: B,
      periodStart: '2026-05-01T00:00:00.000Z',
      periodEnd: '2026-06-01T00:00:00.000Z',
      metrics: [
        {
          metricName: 'disparate_impact_ratio',
          protectedAttribute: 'region',
          value: 0.82,
          threshold: 0.8,
          passed: true,
          sampleSize: 430,
        },
      ],
    };
    await ok(agents, RECORD_FAIRNESS, { input }, SERVICE);
    const stored = await rows<{ value: number; passed: boolean }>(
      agents,
      `SELECT value, passed FROM agents.fairness_metrics_log WHERE agent_id = $1 AND metric_name = 'disparate_impact_ratio'`,
      [B],
    );
    expect(stored).toEqual([{ value: 0.82, passed: true }]);
    const metric = input.metrics[0]!;
    const bad: [Record<string, unknown>, string, string][] = [
      [{ ...input, periodEnd: input.periodStart }, 'BAD_USER_INPUT', 'input.periodEnd'],
      [{ ...input, metrics: [metric, metric] }, 'BAD_USER_INPUT', 'input.metrics[1].metricName'],
      [{ ...input, metrics: [] }, 'BAD_USER_INPUT', 'input.metrics'],
      [
        { ...input, metrics: [{ ...metric, metricName: 'Disparate Impact' }] },
        'BAD_USER_INPUT',
        'input.metrics[0].metricName',
      ],
      [{ ...input, metrics: [{ ...metric, sampleSize: -1 }] }, 'BAD_USER_INPUT', 'input.metrics[0].sampleSize'],
      [{ ...input, agentId: 'nope' }, 'NOT_FOUND', 'undefined'],
    ];
    for (const [wrong, code, field] of bad) {
      const result = await agents.query(RECORD_FAIRNESS, { input: wrong }, SERVICE);
      expect({ field, codes: errorCodes(result), fields: errorFields(result) }).toEqual({
        field,
        codes: [code],
        fields: [field],
      });
    }
  });

  it('closes a bias detection once', async () => {
    const bias = await ok<{ recordBiasDetection: { id: string; status: string } }>(
      agents,
      RECORD_BIAS,
      { input: { agentId: B, executionId: executions.b2, biasType: 'selection', severity: 'LOW', biasScore: 0.12 } },
      SERVICE,
    );
    expect(bias.recordBiasDetection.status).toBe('OPEN');
    const resolve = `mutation ($id: ID!, $input: ResolveBiasDetectionInput!) { resolveBiasDetection(id: $id, input: $input) { status resolvedBy mitigation } }`;
    const done = await ok<{ resolveBiasDetection: unknown }>(
      agents,
      resolve,
      { id: bias.recordBiasDetection.id, input: { status: 'MITIGATED', mitigation: 'Rebalanced training data' } },
      ADMIN,
    );
    expect(done.resolveBiasDetection).toEqual({
      status: 'MITIGATED',
      resolvedBy: 'admin',
      mitigation: 'Rebalanced training data',
    });
    expect(
      errorCodes(
        await agents.query(resolve, { id: bias.recordBiasDetection.id, input: { status: 'ACCEPTED' } }, ADMIN),
      ),
    ).toEqual(['CONFLICT']);
    const wrongExecution = await agents.query(
      RECORD_BIAS,
      { input: { agentId: A, executionId: executions.b2, biasType: 'selection', severity: 'LOW', biasScore: 0.12 } },
      SERVICE,
    );
    expect(errorFields(wrongExecution)).toEqual(['input.executionId']);
    const badScore = await agents.query(
      RECORD_BIAS,
      { input: { agentId: A, biasType: 'selection', severity: 'LOW', biasScore: 2 } },
      SERVICE,
    );
    expect(errorFields(badScore)).toEqual(['input.biasScore']);
  });

  it('takes an ethics report from draft through review, reviewed by someone other than its author', async () => {
    const id = (
      await ok<{ createEthicsReport: { id: string; status: string; createdBy: string } }>(
        agents,
        CREATE_REPORT,
        { input: { agentId: A, title: 'Quarterly', riskLevel: 'HIGH' } },
        ADMIN,
      )
    ).createEthicsReport.id;
    expect(errorCodes(await agents.query(REVIEW_REPORT, { id, input: { decision: 'APPROVED' } }, ADMIN2))).toEqual([
      'CONFLICT',
    ]);
    const submitted = await ok<{ submitEthicsReport: { status: string; submittedAt: string } }>(
      agents,
      SUBMIT_REPORT,
      { id },
      ADMIN,
    );
    expect(submitted.submitEthicsReport.status).toBe('IN_REVIEW');
    expect(errorCodes(await agents.query(SUBMIT_REPORT, { id }, ADMIN))).toEqual(['CONFLICT']);
    expect(errorCodes(await agents.query(REVIEW_REPORT, { id, input: { decision: 'APPROVED' } }, ADMIN))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorFields(await agents.query(REVIEW_REPORT, { id, input: { decision: 'DRAFT' } }, ADMIN2))).toEqual([
      'input.decision',
    ]);
    const reviewed = await ok<{ reviewEthicsReport: unknown }>(
      agents,
      REVIEW_REPORT,
      { id, input: { decision: 'REJECTED', notes: 'Mitigations missing' } },
      ADMIN2,
    );
    expect(reviewed.reviewEthicsReport).toEqual({
      id,
      status: 'REJECTED',
      reviewedBy: 'second.admin',
      reviewNotes: 'Mitigations missing',
    });
    expect(errorCodes(await agents.query(REVIEW_REPORT, { id, input: { decision: 'APPROVED' } }, ADMIN2))).toEqual([
      'CONFLICT',
    ]);
    expect(errorCodes(await agents.query(SUBMIT_REPORT, { id: randomUUID() }, ADMIN))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await agents.query(SUBMIT_REPORT, { id }, AUDITOR))).toEqual(['FORBIDDEN']);
    const badFindings = await agents.query(
      CREATE_REPORT,
      { input: { agentId: A, title: 'x', riskLevel: 'LOW', findings: { not: 'a list' } } },
      ADMIN,
    );
    expect(errorFields(badFindings)).toEqual(['input.findings']);
  });
});

describe('who sees responsible-AI records', () => {
  const LISTS = `{
    aiDecisionAudits(first: 100) { totalCount edges { node { executionId agent { id } } } }
    biasDetections(first: 100) { totalCount edges { node { agentId } } }
    fairnessMetrics(first: 100) { totalCount edges { node { agentId } } }
    ethicsReports(first: 100) { totalCount edges { node { agentId } } }
  }`;
  interface Lists {
    aiDecisionAudits: { edges: { node: { executionId: string; agent: { id: string } } }[] };
    biasDetections: { edges: { node: { agentId: string } }[] };
    fairnessMetrics: { edges: { node: { agentId: string } }[] };
    ethicsReports: { edges: { node: { agentId: string } }[] };
  }
  const agentsIn = (list: { edges: { node: { agentId?: string; agent?: { id: string } } }[] }) =>
    [...new Set(list.edges.map((e) => e.node.agentId ?? e.node.agent!.id))].sort();

  it('lists everything to admins, the scheduler and the auditor; an owner its agent’s; a user the decisions on its executions', async () => {
    for (const principal of [ADMIN, SERVICE, AUDITOR]) {
      const all = await ok<Lists>(agents, LISTS, {}, principal);
      expect(agentsIn(all.aiDecisionAudits)).toEqual([A, B]);
      expect(agentsIn(all.biasDetections)).toEqual([A, B]);
      expect(agentsIn(all.fairnessMetrics)).toEqual([A, B]);
      expect(agentsIn(all.ethicsReports)).toEqual([A, B]);
    }
    const owner = await ok<Lists>(agents, LISTS, {}, ANALYST_C1);
    expect(agentsIn(owner.aiDecisionAudits)).toEqual([A]);
    expect(agentsIn(owner.biasDetections)).toEqual([A]);
    expect(agentsIn(owner.fairnessMetrics)).toEqual([A]);
    expect(agentsIn(owner.ethicsReports)).toEqual([A]);
    const user = await ok<Lists>(agents, LISTS, {}, CUSTOMER_C2);
    expect(new Set(user.aiDecisionAudits.edges.map((e) => e.node.executionId))).toEqual(
      new Set([executions.a2, executions.b2]),
    );
    expect(user.biasDetections.edges).toEqual([]);
    expect(user.fairnessMetrics.edges).toEqual([]);
    expect(user.ethicsReports.edges).toEqual([]);
  });

  it('answers a single report and an entity reference with null outside the rule', async () => {
    const single = `query ($id: ID!) { ethicsReport(id: $id) { id agentId agent { id } } }`;
    expect((await ok<{ ethicsReport: unknown }>(agents, single, { id: reportA }, AUDITOR)).ethicsReport).toEqual({
      id: reportA,
      agentId: A,
      agent: { id: A },
    });
    expect(
      (await ok<{ ethicsReport: unknown }>(agents, single, { id: reportA }, ANALYST_C1)).ethicsReport,
    ).not.toBeNull();
    expect((await ok<{ ethicsReport: unknown }>(agents, single, { id: reportA }, CUSTOMER_C1)).ethicsReport).toBeNull();
    const entities = `query ($r: [_Any!]!) { _entities(representations: $r) {
      ... on EthicsReport { id title }
      ... on Agent { id fairnessMetrics(from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z") { metricName } biasDetections { totalCount } } } }`;
    const r = [
      { __typename: 'EthicsReport', id: reportA },
      { __typename: 'Agent', id: A },
    ];
    const asCustomer = await ok<{ _entities: unknown[] }>(agents, entities, { r }, CUSTOMER_C1);
    expect(asCustomer._entities).toEqual([null, { id: A, fairnessMetrics: [], biasDetections: { totalCount: 0 } }]);
    const asOwner = await ok<{
      _entities: [{ id: string }, { fairnessMetrics: unknown[]; biasDetections: { totalCount: number } }];
    }>(agents, entities, { r }, ANALYST_C1);
    expect(asOwner._entities[0]).toMatchObject({ id: reportA });
    expect(asOwner._entities[1].fairnessMetrics).toHaveLength(2);
    expect(asOwner._entities[1].biasDetections.totalCount).toBe(1);
  });

  it('shows an execution’s decisions to its user and the agent’s owner, nested', async () => {
    const own = `query ($id: ID!) { agentExecution(id: $id) { id decisionAudits { decision explanation execution { id } } } }`;
    const mine = await ok<{ agentExecution: { decisionAudits: { execution: { id: string } }[] } }>(
      agents,
      own,
      { id: executions.b1 },
      CUSTOMER_C1,
    );
    expect(mine.agentExecution.decisionAudits.length).toBeGreaterThanOrEqual(1);
    expect(mine.agentExecution.decisionAudits.every((d) => d.execution.id === executions.b1)).toBe(true);
    const nested = `query ($id: ID!) { agent(id: $id) { executions(first: 50) { edges { node { id decisionAudits { executionId execution { id } } } } }
      ethicsReports { totalCount edges { node { id } } } } }`;
    const owner = await ok<{
      agent: {
        executions: { edges: { node: { id: string; decisionAudits: { execution: unknown }[] } }[] };
        ethicsReports: { totalCount: number };
      };
    }>(agents, nested, { id: A }, ANALYST_C1);
    expect(owner.agent.executions.edges.map((e) => e.node.decisionAudits.length > 0)).toEqual([true, true]);
    // The owner sees the decision, not another user's execution by the decision's link.
    expect(owner.agent.executions.edges.flatMap((e) => e.node.decisionAudits.map((d) => d.execution))).toEqual(
      expect.arrayContaining([null]),
    );
    expect(owner.agent.ethicsReports.totalCount).toBeGreaterThanOrEqual(1);
    const other = await ok<{
      agent: {
        executions: { edges: { node: { decisionAudits: unknown[] } }[] };
        ethicsReports: { totalCount: number };
      };
    }>(agents, nested, { id: B }, CUSTOMER_C2);
    expect(other.agent.executions.edges).toHaveLength(1);
    expect(other.agent.executions.edges[0]!.node.decisionAudits).toHaveLength(1);
    expect(other.agent.ethicsReports.totalCount).toBe(0);
  });

  it('costs the same statements for 2 and 12 agents with their records', async () => {
    const fresh = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0' });
    try {
      const add = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const id = `sc-agent-${String(i).padStart(2, '0')}`;
          await addAgent(fresh, id, ANALYST_C1.userId!);
          const execution = await addExecution(fresh, id, CUSTOMER_C1.userId!);
          await ok(
            fresh,
            RECORD_DECISION,
            { input: { executionId: execution, decisionType: 't', decision: 'd' } },
            SERVICE,
          );
          await ok(
            fresh,
            RECORD_BIAS,
            { input: { agentId: id, biasType: 'selection', severity: 'LOW', biasScore: 0.2 } },
            SERVICE,
          );
          await ok(
            fresh,
            RECORD_FAIRNESS,
            {
              input: {
                agentId: id,
                periodStart: '2026-05-01T00:00:00Z',
                periodEnd: '2026-05-02T00:00:00Z',
                metrics: [
                  { metricName: 'spd', protectedAttribute: 'region', value: 0.1, passed: true, sampleSize: 10 },
                ],
              },
            },
            SERVICE,
          );
          await ok(fresh, CREATE_REPORT, { input: { agentId: id, title: 't', riskLevel: 'LOW' } }, ADMIN);
        }
      };
      const query = `query ($first: Int) { agents(first: $first) { edges { node { id
        fairnessMetrics(from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z") { value }
        biasDetections { totalCount edges { node { id } } }
        ethicsReports { totalCount edges { node { id agent { id } } } }
        executions { edges { node { id decisionAudits { id agent { id } execution { id } } } } } } } } }`;
      await add(0, 2);
      const small = await countStatements(fresh, query, { first: 2 }, ANALYST_C1);
      await add(2, 12);
      const large = await countStatements(fresh, query, { first: 12 }, ANALYST_C1);
      expect(large.result.body.errors).toBeUndefined();
      const edges = (large.result.body.data as { agents: { edges: { node: { fairnessMetrics: unknown[] } }[] } }).agents
        .edges;
      expect(edges).toHaveLength(12);
      expect(edges.every((e) => e.node.fairnessMetrics.length === 1)).toBe(true);
      expect(small.statements).toBe(large.statements);
    } finally {
      await fresh.stop();
    }
  });
});
