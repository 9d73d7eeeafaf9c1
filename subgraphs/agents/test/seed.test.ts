import type { TestSubgraph } from '@socgraph/testkit';
import { seedAgentsDemo } from '../src/seed';
import { InMemoryCredits } from './credits-double';
import { ok, rows, startAgents } from './support';

let agents: TestSubgraph;
beforeAll(async () => {
  agents = await startAgents(new InMemoryCredits(), { AGENT_METRICS_INTERVAL_MS: '0' });
});
afterAll(async () => agents.stop());

describe('demo seed', () => {
  it('seeds marketplace agents with executions, ratings and metrics, and endpoint agents with vulnerabilities, once', async () => {
    const lines = await seedAgentsDemo(agents.dataSource, { password: 'x', env: { AGENT_DEMO_PORT: '4199' } });
    expect(lines.join('\n')).toMatch(/3 marketplace agents at http:\/\/127\.0\.0\.1:4199/);
    expect(await seedAgentsDemo(agents.dataSource, { password: 'x' })).toEqual([]);
    const data = await ok<{
      agents: {
        edges: {
          node: {
            name: string;
            totalExecutions: number;
            totalUsers: number;
            avgRating: number | null;
            metrics: { totalExecutions: number }[];
          };
        }[];
      };
      endpointAgents: { totalCount: number; edges: { node: { vulnerabilities: unknown[] } }[] };
    }>(
      agents,
      `query ($from: DateTime!, $to: DateTime!) {
        agents { edges { node { name totalExecutions totalUsers avgRating metrics(period: DAILY, from: $from, to: $to) { totalExecutions } } } }
        endpointAgents { totalCount edges { node { vulnerabilities { cveId } } } } }`,
      { from: new Date(Date.now() - 10 * 86_400_000).toISOString(), to: new Date().toISOString() },
    );
    expect(data.agents.edges).toHaveLength(3);
    for (const { node } of data.agents.edges) {
      expect(node.totalExecutions).toBe(84);
      expect(node.totalUsers).toBe(2);
      expect(node.avgRating).not.toBeNull();
      expect(node.metrics.reduce((sum, m) => sum + m.totalExecutions, 0)).toBe(84);
    }
    expect(data.endpointAgents.totalCount).toBe(4);
    expect(data.endpointAgents.edges.every((e) => e.node.vulnerabilities.length > 0)).toBe(true);
    const [failed] = await rows<{ n: number }>(
      agents,
      `SELECT count(*)::int AS n FROM agents.agent_execution WHERE status <> 'success'`,
    );
    expect(failed!.n).toBeGreaterThan(0);
    const snapshots = await ok<{ indexSnapshotSchedules: { edges: { node: Record<string, unknown> }[] } }>(
      agents,
      `{ indexSnapshotSchedules { edges { node { name indexPattern repository enabled nextRunAt } } } }`,
    );
    expect(snapshots.indexSnapshotSchedules.edges.map((e) => e.node)).toEqual([
      {
        name: 'wazuh-alerts-nightly',
        indexPattern: 'wazuh-alerts-4.x-*',
        repository: 'wazuh-backups',
        enabled: false,
        nextRunAt: null,
      },
    ]);
  });

  it('seeds telemetry and responsible-AI records', async () => {
    const now = Date.now();
    const data = await ok<{
      gpuTelemetry: { samples: number }[];
      systemMetrics: { samples: number }[];
      aiDecisionAudits: { totalCount: number; edges: { node: { reviewStatus: string } }[] };
      fairnessMetrics: { totalCount: number };
      ethicsReports: { edges: { node: { status: string } }[] };
    }>(
      agents,
      `query ($from: DateTime!, $to: DateTime!) {
        gpuTelemetry(agentId: "agent-globex-003", from: $from, to: $to, bucketSeconds: 3600) { samples }
        systemMetrics(metric: "cpu.usage_percent", from: $from, to: $to, bucketSeconds: 21600) { samples }
        aiDecisionAudits(first: 100) { totalCount edges { node { reviewStatus } } }
        fairnessMetrics { totalCount }
        ethicsReports { edges { node { status } } } }`,
      { from: new Date(now - 26 * 3_600_000).toISOString(), to: new Date(now + 60_000).toISOString() },
    );
    expect(data.gpuTelemetry.reduce((sum, b) => sum + b.samples, 0)).toBe(2 * 288);
    expect(data.systemMetrics.reduce((sum, b) => sum + b.samples, 0)).toBe(24);
    expect(data.aiDecisionAudits.totalCount).toBe(6);
    expect(data.aiDecisionAudits.edges.filter((e) => e.node.reviewStatus === 'PENDING')).toHaveLength(1);
    expect(data.fairnessMetrics.totalCount).toBe(2);
    expect(data.ethicsReports.edges.map((e) => e.node.status)).toEqual(['IN_REVIEW']);
  });
});
