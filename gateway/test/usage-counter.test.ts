import { createLogger, type Principal } from '@socgraph/shared';
import { testPrincipal } from '@socgraph/testkit';
import { UsageCounter } from '../src/usage-counter';

/** The gateway's per-user request counts: what it sends, what it keeps when identity is away. */
type Report = { userId: string; day: string; requests: number }[];

function counterWith(answers: ('ok' | 'fail')[], options: { maxEntries?: number } = {}) {
  const reports: Report[] = [];
  let drops = 0;
  const counter = new UsageCounter({
    client: {
      async request<T>(_url: string, _query: string, variables: Record<string, unknown> = {}): Promise<T> {
        const answer = answers.shift() ?? 'ok';
        if (answer === 'fail') throw new Error('identity unavailable');
        reports.push(variables.counts as Report);
        return { _recordApiRequests: (variables.counts as Report).length } as T;
      },
    },
    identityUrl: 'http://identity.invalid/graphql',
    flushIntervalMs: 0,
    logger: createLogger('usage-test', 'silent'),
    now: () => new Date('2026-12-01T10:00:00Z'),
    onDrop: (n) => (drops += n),
    ...options,
  });
  return { counter, reports, drops: () => drops };
}

const alice = testPrincipal({ userId: '7', username: 'alice', role: 'analyst' });
const bob = testPrincipal({ userId: '8', username: 'bob', role: 'analyst' });
const anonymous: Principal = { ...alice, kind: 'anonymous', userId: null, username: null };

describe('UsageCounter', () => {
  it('sums requests per user and day and counts nobody for anonymous callers', async () => {
    const { counter, reports } = counterWith([]);
    for (const p of [alice, alice, bob, alice, anonymous, undefined]) counter.record(p);
    await counter.flush();
    expect(reports).toEqual([
      [
        { userId: '7', day: '2026-12-01', requests: 3 },
        { userId: '8', day: '2026-12-01', requests: 1 },
      ],
    ]);
    await counter.flush();
    expect(reports).toHaveLength(1); // nothing new, nothing sent
  });

  it('keeps a refused report and adds it to the next one, never twice', async () => {
    const { counter, reports } = counterWith(['fail']);
    counter.record(alice);
    counter.record(alice);
    await counter.flush();
    expect(reports).toEqual([]);
    expect(counter.pending).toBe(1);
    counter.record(alice);
    await counter.flush();
    expect(reports).toEqual([[{ userId: '7', day: '2026-12-01', requests: 3 }]]);
    expect(counter.pending).toBe(0);
  });

  it('is bounded: past maxEntries a new user and day is dropped and counted, known ones still add up', async () => {
    const { counter, reports, drops } = counterWith([], { maxEntries: 1 });
    counter.record(alice);
    counter.record(bob);
    counter.record(alice);
    expect(drops()).toBe(1);
    await counter.stop();
    expect(reports).toEqual([[{ userId: '7', day: '2026-12-01', requests: 2 }]]);
  });
});
