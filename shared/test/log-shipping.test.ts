import { Registry } from 'prom-client';
import {
  createReporterMetrics,
  createShippingLogger,
  logEntryOf,
  type LogEntryPayload,
  type LogShippingSettings,
} from '../src';

/** A service's own log lines on their way to audit: what they become, and what never ships. */

const settings = (overrides: Partial<LogShippingSettings> = {}): LogShippingSettings => ({
  LOG_LEVEL: 'silent',
  LOG_SHIP_LEVEL: 'warn',
  LOG_SHIP_BUFFER: 100,
  LOG_SHIP_BATCH: 10,
  LOG_SHIP_FLUSH_MS: 10,
  ...overrides,
});

/** Reads back what a logger writes to its "stdout". */
function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('logEntryOf', () => {
  it('maps a pino error line: level, service, message with the error, request id; no stack', () => {
    const entry = logEntryOf(
      {
        level: 50,
        time: Date.parse('2026-03-01T10:00:00.000Z'),
        service: 'subgraph-incidents',
        name: 'subgraph-incidents',
        requestId: 'req-42',
        durationMs: 12.4,
        err: {
          type: 'QueryFailedError',
          message: 'relation "x" does not exist',
          stack: 'at /srv/app.js:1',
          code: '42P01',
        },
        subgraph: 'incidents',
        msg: 'unexpected resolver error',
      },
      'subgraph-incidents',
    );
    expect(entry).toEqual({
      occurredAt: '2026-03-01T10:00:00.000Z',
      level: 'ERROR',
      component: 'subgraph-incidents',
      message: 'unexpected resolver error: relation "x" does not exist',
      requestId: 'req-42',
      durationMs: 12,
      extra: { subgraph: 'incidents', err: { type: 'QueryFailedError', code: '42P01' } },
      source: 'backend',
    });
    expect(JSON.stringify(entry)).not.toContain('/srv/app.js');
    expect(logEntryOf({ level: 40, msg: 'w' }, 'gateway').level).toBe('WARNING');
    expect(logEntryOf({ level: 60, msg: 'f' }, 'gateway').level).toBe('CRITICAL');
  });

  it('truncates rather than produce a line audit would refuse', () => {
    const huge = logEntryOf(
      {
        level: 40,
        msg: `${'x'.repeat(50_000)}\u0000`,
        requestId: 'r'.repeat(100),
        durationMs: -5,
        payload: { rows: Array.from({ length: 500 }, (_, i) => ({ i, text: 'é'.repeat(5_000) })) },
        ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`field${i}`, 'y'.repeat(2_000)])),
      },
      `subgraph-${'long'.repeat(20)}`,
    );
    expect(huge.message.length).toBeLessThanOrEqual(20_000);
    expect(huge.component.length).toBeLessThanOrEqual(50);
    expect(huge.requestId).toBeNull();
    expect(huge.extra?.requestId).toBe('r'.repeat(100));
    expect(huge.durationMs).toBeNull();
    expect(Buffer.byteLength(JSON.stringify(huge.extra), 'utf8')).toBeLessThan(64 * 1024);
    expect(huge.extra?._omitted).toEqual(expect.arrayContaining(['payload', expect.stringMatching(/^\d+ more$/)]));

    // Postgres takes neither NUL nor half a surrogate pair; an empty message is refused.
    const odd = logEntryOf({ level: 40, msg: ' \u0000 \uD800 ok', tag: 'a\u0000b' }, 'gateway');
    expect(odd.message).toBe('\uFFFD ok');
    expect(odd.extra).toEqual({ tag: 'ab' });
    expect(logEntryOf({ level: 40, msg: '\u0000 \u0000' }, 'gateway').message).toBe('(no message)');
    expect(logEntryOf({ level: 40, err: { message: 'only the error' } }, 'gateway').message).toBe('only the error');
    expect(logEntryOf({ level: 40, msg: 'm', durationMs: 2_147_483_647.6 }, 'gateway').durationMs).toBeNull();
    const proto = logEntryOf(JSON.parse('{"level":40,"msg":"m","__proto__":{"x":1}}') as Record<string, unknown>, 'g');
    expect(Object.keys(proto.extra ?? {})).toEqual(['__proto__']);
  });
});

describe('createShippingLogger', () => {
  it('ships lines at or above LOG_SHIP_LEVEL, writes stdout at LOG_LEVEL, and ships nothing when off', async () => {
    const shipped: LogEntryPayload[] = [];
    const stdout = capture();
    const { logger, shipper } = createShippingLogger(
      'subgraph-test',
      settings({ LOG_LEVEL: 'info' }),
      async (batch) => void shipped.push(...batch),
      stdout,
    );
    logger.info({ requestId: 'r1' }, 'an info line');
    logger.warn({ requestId: 'r2' }, 'a warn line');
    logger.child({ requestId: 'r3' }).error(new Error('kaboom'), 'an error line');
    await shipper?.flush();
    expect(stdout.lines.map((l) => l.msg)).toEqual(['an info line', 'a warn line', 'an error line']);
    expect(shipped.map((e) => [e.level, e.message, e.requestId])).toEqual([
      ['WARNING', 'a warn line', 'r2'],
      ['ERROR', 'an error line: kaboom', 'r3'],
    ]);
    expect(shipped[0]?.component).toBe('subgraph-test');
    await shipper?.stop();

    const off = createShippingLogger('subgraph-test', settings({ LOG_SHIP_LEVEL: 'off' }), async () => undefined);
    expect(off.shipper).toBeNull();
    expect(createShippingLogger('subgraph-test', settings(), null).shipper).toBeNull();
  });

  it('counts what a full buffer drops in report_dropped_total{reporter="logs"}', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const delivered: LogEntryPayload[] = [];
    const { logger, shipper } = createShippingLogger(
      'subgraph-test',
      settings({ LOG_SHIP_BUFFER: 2, LOG_SHIP_BATCH: 1 }),
      async (batch) => {
        await held;
        delivered.push(...batch);
      },
    );
    if (!shipper) throw new Error('expected a shipper');
    const registry = new Registry();
    shipper.observe(createReporterMetrics(registry));
    for (let i = 0; i < 5; i += 1) logger.warn(`line ${i}`);
    expect(shipper.dropped).toBe(3);
    const text = await registry.metrics();
    expect(text).toMatch(/report_dropped_total\{reporter="logs",reason="buffer_full"\} 3/);
    expect(text).toMatch(/report_dropped_total\{reporter="logs",reason="retries_exhausted"\} 0/);
    expect(text).toMatch(/report_buffer_size\{reporter="logs"\} 2/);
    release();
    await shipper.flush();
    // A full buffer drops the oldest waiting lines: the newest survive.
    expect(delivered.map((e) => e.message)).toEqual(['line 3', 'line 4']);
    await shipper.stop();
    // After stop nothing is sent; a late line is counted, not held.
    logger.warn('too late');
    expect(shipper.dropped).toBe(4);
    expect(await registry.metrics()).toMatch(/report_dropped_total\{reporter="logs",reason="stopped"\} 1/);
  });

  it('never ships what its own delivery logs, and tells an outage once, on stdout only', async () => {
    const stdout = capture();
    const shipped: LogEntryPayload[] = [];
    let down = true;
    let attempts = 0;
    const { logger, shipper } = createShippingLogger(
      'subgraph-test',
      settings({ LOG_LEVEL: 'info' }),
      async (batch) => {
        attempts += 1;
        // Whatever the delivery path logs (a client, audit in-process) is the shipper's doing.
        logger.warn('logged while delivering');
        if (down) throw new Error('audit unreachable');
        shipped.push(...batch);
      },
      stdout,
    );
    if (!shipper) throw new Error('expected a shipper');
    logger.warn({ requestId: 'log-shipping-abc' }, 'audit failed serving a delivery');
    logger.warn('first');
    await until(() => attempts >= 3);
    logger.warn('second');
    down = false;
    await until(() => shipped.length >= 2, 15_000);
    await shipper.flush();
    expect(shipped.map((e) => e.message)).toEqual(['first', 'second']);
    const told = stdout.lines.filter((l) => String(l.msg).startsWith('log shipping'));
    expect(told.map((l) => l.msg)).toEqual([
      'log shipping to audit failing; retrying, drops counted in report_dropped_total{reporter="logs"}',
      'log shipping to audit recovered',
    ]);
    expect(shipper.dropped).toBe(0);
    await shipper.stop();
  });
});
