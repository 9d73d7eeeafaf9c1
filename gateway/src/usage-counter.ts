import type { Logger, Principal, ServiceClient } from '@socgraph/shared';

/**
 * Counts each user's GraphQL requests per UTC day and reports the sums to identity every
 * `flushIntervalMs` (`_recordApiRequests`), for billing's `UsageMetric.apiRequests`. A sum is
 * a few bytes per active user, so the request path only bumps a number in a Map. A failed
 * report keeps its counts for the next one; past `maxEntries` users and days the newest count
 * is dropped (and counted): usage is billing's telemetry, never worth holding requests up for.
 */
export interface UsageCounterOptions {
  client: Pick<ServiceClient, 'request'>;
  identityUrl: string;
  flushIntervalMs: number;
  logger: Logger;
  /** Distinct (user, day) sums held at most. Default 100 000. */
  maxEntries?: number;
  onDrop?: (count: number) => void;
  /** Tests: the clock. */
  now?: () => Date;
}

const RECORD = `mutation ($counts: [ApiRequestCountInput!]!) { _recordApiRequests(counts: $counts) }`;
/** identity takes at most this many counts per report. */
const REPORT_SIZE = 1000;

export class UsageCounter {
  private counts = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private lastFailureLog = 0;

  constructor(private readonly options: UsageCounterOptions) {}

  /** One request by `principal`: users only (sessions and API keys alike); anonymous and service callers are nobody's usage. */
  record(principal: Principal | undefined): void {
    if (!principal || principal.kind !== 'user' || !principal.userId) return;
    const day = (this.options.now?.() ?? new Date()).toISOString().slice(0, 10);
    const key = `${principal.userId}|${day}`;
    const current = this.counts.get(key);
    if (current === undefined && this.counts.size >= (this.options.maxEntries ?? 100_000)) {
      this.options.onDrop?.(1);
      return;
    }
    this.counts.set(key, (current ?? 0) + 1);
  }

  get pending(): number {
    return this.counts.size;
  }

  start(): void {
    if (this.options.flushIntervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Reports what was counted so far; concurrent calls share one report. */
  flush(): Promise<void> {
    this.flushing ??= this.report().finally(() => (this.flushing = null));
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async report(): Promise<void> {
    if (!this.counts.size) return;
    const taken = this.counts;
    this.counts = new Map();
    const entries = [...taken.entries()].map(([key, requests]) => {
      const [userId, day] = key.split('|') as [string, string];
      return { key, count: { userId, day, requests } };
    });
    for (let i = 0; i < entries.length; i += REPORT_SIZE) {
      const batch = entries.slice(i, i + REPORT_SIZE);
      try {
        await this.options.client.request(this.options.identityUrl, RECORD, { counts: batch.map((e) => e.count) });
      } catch (error) {
        // Put this batch and the rest back, merged with what came in meanwhile: the next report retries.
        for (const { key, count } of entries.slice(i))
          this.counts.set(key, (this.counts.get(key) ?? 0) + count.requests);
        if (Date.now() - this.lastFailureLog > 60_000) {
          this.lastFailureLog = Date.now();
          this.options.logger.warn(
            { err: error, pending: this.counts.size },
            'usage report to identity failed; kept for the next one',
          );
        }
        return;
      }
    }
  }
}
