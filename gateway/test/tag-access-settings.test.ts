import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@socgraph/shared';
import { FAIL_CLOSED_SETTINGS, incidentsSettingsSource } from '../src/tag-access-settings';

/** A stand-in for incidents' `_tagAccessSettings`: answers, hangs or refuses as told. */
let mode: 'up' | 'hang' | 'error' = 'up';
let behavior = 'VISIBLE_TO_ALL';
let calls = 0;
const server = http.createServer((req, res) => {
  calls += 1;
  req.resume();
  if (mode === 'hang') return; // never answers
  if (mode === 'error') {
    res.writeHead(503).end();
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      data: { _tagAccessSettings: { enabled: true, untaggedAlertBehavior: behavior, defaultTagId: null } },
    }),
  );
});
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  mode = 'up';
  behavior = 'VISIBLE_TO_ALL';
  calls = 0;
});

async function waitFor(condition: () => boolean, ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
}

function recordingLogger() {
  const lines: string[] = [];
  const logger = {
    error: (_obj: unknown, message: string) => lines.push(`error ${message}`),
    info: (_obj: unknown, message: string) => lines.push(`info ${message}`),
  } as unknown as Logger;
  return { lines, logger };
}

function source(options: { now?: () => number; logger?: Logger; timeoutMs?: number } = {}) {
  return incidentsSettingsSource({
    incidentsUrl: url,
    internalTokenSecret: 's'.repeat(32),
    tokenTtlSeconds: 60,
    cacheSeconds: 5,
    timeoutMs: options.timeoutMs ?? 300,
    reminderMs: 60_000,
    ...options,
  });
}

describe('tag access settings (stale-while-revalidate)', () => {
  it('serves the last known value at once while incidents hangs, refreshing in the background', async () => {
    let clock = 1_000_000;
    const settings = source({ now: () => clock, timeoutMs: 5_000 });
    expect((await settings.current()).untaggedAlertBehavior).toBe('VISIBLE_TO_ALL');
    mode = 'hang';
    clock += 10_000; // stale
    const started = performance.now();
    for (let i = 0; i < 20; i += 1) expect((await settings.current()).untaggedAlertBehavior).toBe('VISIBLE_TO_ALL');
    // Twenty answers without waiting for the hanging refresh: well under one 5 s timeout
    // (the bound is wide so a loaded CI machine cannot fail it; waiting would take 5 s or more).
    expect(performance.now() - started).toBeLessThan(2_500);
    // One background refresh for all twenty requests, not one each. It reaches the stand-in
    // when the loop gets to it (on a loaded machine later than any fixed sleep): wait for it,
    // then give any further refreshes time to show up.
    await waitFor(() => calls >= 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toBe(2);
  });

  it('fails closed only when no value was ever known, and does not wait again after a failure', async () => {
    mode = 'hang';
    const settings = source({ timeoutMs: 2_000 });
    expect(await settings.current()).toEqual(FAIL_CLOSED_SETTINGS);
    const started = performance.now();
    expect(await settings.current()).toEqual(FAIL_CLOSED_SETTINGS);
    // Not a second 2 s wait (the bound is wide for a loaded CI machine).
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(settings.unavailable).toBe(true);
  });

  it('applies a change at once after evict', async () => {
    const settings = source();
    expect((await settings.current()).untaggedAlertBehavior).toBe('VISIBLE_TO_ALL');
    behavior = 'ADMIN_ONLY';
    settings.evict();
    expect((await settings.current()).untaggedAlertBehavior).toBe('ADMIN_ONLY');
  });

  it('logs an outage once, a reminder at most once per period, and the recovery once', async () => {
    let clock = 1_000_000;
    const { lines, logger } = recordingLogger();
    const settings = source({ now: () => clock, logger });
    await settings.current();
    mode = 'error';
    for (let i = 0; i < 30; i += 1) {
      clock += 6_000; // every read is stale: a refresh each time
      const before = lines.length + calls;
      await settings.current();
      // Wait for that refresh to fail (the stand-in answered and the source noted it).
      await waitFor(() => calls + lines.length > before && settings.unavailable);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // 30 failed refreshes over 180 s: the first, then reminders at 60 s and 120 s (and 180 s at most).
    const errors = lines.filter((l) => l.startsWith('error'));
    expect(errors[0]).toMatch(/tag access settings unavailable/);
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.length).toBeLessThanOrEqual(4);
    expect(errors.slice(1).every((l) => /still unavailable/.test(l))).toBe(true);
    mode = 'up';
    clock += 6_000;
    await settings.current();
    await waitFor(() => lines.some((l) => /available again/.test(l)));
    expect(lines.filter((l) => /available again/.test(l))).toHaveLength(1);
  });
});
