import { BatchReporter, type DropReason } from '../src';

/**
 * The shared BatchReporter's additions for long outages (the gateway's tests cover batching,
 * retries and drops): capped retry delays, a stop that does not wait out a retry, and records
 * added after stop counted rather than held.
 */
describe('BatchReporter', () => {
  it('caps retry delays, so an outage is retried at a steady pace', async () => {
    const attempts: number[] = [];
    const reporter = new BatchReporter<number>({
      name: 'test',
      maxBuffer: 10,
      batchSize: 10,
      flushIntervalMs: 1,
      maxRetries: 6,
      retryBaseMs: 100,
      maxRetryDelayMs: 100,
      send: async () => {
        attempts.push(Date.now());
        if (attempts.length < 6) throw new Error('down');
      },
    });
    reporter.add(1);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await reporter.flush();
    // Uncapped: 100 + 200 + 400 + 800 + 1600 ms of waiting; capped: 100 * 5. The bound sits
    // far from both, so a loaded CI machine cannot tip it either way.
    expect(attempts).toHaveLength(6);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(reporter.delivered).toBe(1);
    await reporter.stop();
  });

  it('stops without waiting out a retry, and counts what it gives up and what comes later', async () => {
    const drops: string[] = [];
    let attempts = 0;
    const reporter = new BatchReporter<number>({
      name: 'test',
      maxBuffer: 10,
      batchSize: 1,
      flushIntervalMs: 1,
      retryBaseMs: 60_000,
      send: async () => {
        attempts += 1;
        throw new Error('down');
      },
      onDrop: (count: number, reason: DropReason) => drops.push(`${count}:${reason}`),
    });
    reporter.add(1);
    reporter.add(2);
    while (attempts < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await reporter.stop(50);
    await new Promise((resolve) => setImmediate(resolve));
    expect(Date.now() - started).toBeLessThan(1_000);
    // stop flushes: the batch waiting out its retry delay gets one more attempt at once.
    expect(attempts).toBe(2);
    reporter.add(3);
    expect(drops.sort()).toEqual(['1:retries_exhausted', '1:retries_exhausted', '1:stopped']);
    expect(reporter.dropped).toBe(3);
  });
});

describe('BatchReporter during a long outage', () => {
  it('keeps retrying while the buffer has room, loses nothing, and drops only the oldest when full', async () => {
    let up = false;
    const sent: number[] = [];
    const drops: string[] = [];
    const reporter = new BatchReporter<number>({
      name: 'test',
      maxBuffer: 50,
      batchSize: 10,
      flushIntervalMs: 1,
      retryBaseMs: 1,
      maxRetryDelayMs: 5,
      send: async (batch) => {
        if (!up) throw new Error('down');
        sent.push(...batch);
      },
      onDrop: (count: number, reason: DropReason) => drops.push(`${count}:${reason}`),
    });
    // Far more attempts than the old three retries, with room to spare: nothing is lost.
    for (let i = 0; i < 40; i += 1) reporter.add(i);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reporter.dropped).toBe(0);
    // Over the limit: the oldest waiting records go, counted.
    for (let i = 40; i < 60; i += 1) reporter.add(i);
    expect(reporter.dropped).toBe(10);
    expect(drops.every((d) => d === '1:buffer_full')).toBe(true);
    up = true;
    await new Promise((resolve) => setTimeout(resolve, 50));
    await reporter.flush();
    expect(reporter.delivered).toBe(50);
    // The batch in flight (0-9) survived; 10-19 made room for 50-59.
    expect(sent.sort((a, b) => a - b)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 40 }, (_, i) => i + 20),
    ]);
    await reporter.stop();
  });
});
