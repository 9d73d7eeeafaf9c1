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
  });
});
