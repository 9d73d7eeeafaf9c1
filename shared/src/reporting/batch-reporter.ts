import type { Logger } from '../logger';
import { requestTransaction } from '../db/request-transaction';

/**
 * Delivers records in batches off the request path: `add` only appends to a bounded buffer;
 * a timer (or a full batch) sends them, one batch at a time, retrying a failed batch with
 * capped backoff for as long as it takes (an outage of the destination loses nothing while
 * the buffer has room). Only a full buffer drops records: the oldest waiting one goes first,
 * counted (`buffer_full`), so the newest records survive. Reporting never slows down or
 * breaks the requests it reports on. How long an outage a buffer rides out: maxBuffer / the
 * rate records arrive (docs/operations.md).
 *
 * One implementation for every service: the gateway's reports to audit and each service's
 * shipped log lines.
 */

/** Why records never reached their destination (`report_dropped_total{reason}`). */
export type DropReason = 'buffer_full' | 'retries_exhausted' | 'stopped';

export interface BatchReporterOptions<T> {
  /** For logs and metric labels (`access_log`, `rate_limit_violations`). */
  name: string;
  send: (batch: T[]) => Promise<void>;
  /** Records held at most (buffered plus in flight). */
  maxBuffer: number;
  batchSize: number;
  flushIntervalMs: number;
  /** Attempts per batch after the first; default unlimited (retry while the buffer has room). */
  maxRetries?: number;
  /** First retry delay; doubles per attempt. */
  retryBaseMs?: number;
  /** Longest retry delay, so a long outage is retried at a steady pace. Default 5 000 ms. */
  maxRetryDelayMs?: number;
  logger?: Logger;
  /** Called with the number of records dropped (metrics). */
  onDrop?: (count: number, reason: DropReason) => void;
}

export class BatchReporter<T> {
  private buffer: T[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private droppedCount = 0;
  private deliveredCount = 0;
  private stopped = false;
  private failing = false;
  /** Ends a retry's wait early (stop). */
  private wakeRetry: (() => void) | null = null;

  constructor(private readonly options: BatchReporterOptions<T>) {}

  /** Records waiting or being sent. */
  get size(): number {
    return this.buffer.length + this.inFlight;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get delivered(): number {
    return this.deliveredCount;
  }

  add(record: T): void {
    // Nothing sends after stop: count the record rather than hold it forever.
    if (this.stopped) {
      this.drop(1, 'stopped');
      return;
    }
    if (this.size >= this.options.maxBuffer) {
      // Full: the oldest record still waiting makes room (records in flight are being sent).
      if (this.buffer.length === 0) {
        this.drop(1, 'buffer_full');
        return;
      }
      this.buffer.shift();
      this.drop(1, 'buffer_full');
    }
    this.buffer.push(record);
    if (this.buffer.length >= this.options.batchSize) this.schedule(0);
    else this.schedule(this.options.flushIntervalMs);
  }

  /** Sends everything buffered now (tests, shutdown); resolves when done or given up. */
  async flush(): Promise<void> {
    this.clearTimer();
    // A batch waiting out a retry delay is tried now.
    this.wakeRetry?.();
    while (this.sending) await this.sending;
    if (this.buffer.length) await this.run();
  }

  /** Flushes what it can within `timeoutMs`, then stops; later records are dropped. */
  async stop(timeoutMs = 5_000): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, timeoutMs);
        timeout.unref();
      }),
    ]);
    clearTimeout(timeout);
    this.stopped = true;
    this.wakeRetry?.();
    this.clearTimer();
    if (this.buffer.length) this.drop(this.buffer.splice(0).length, 'retries_exhausted');
  }

  private drop(count: number, reason: DropReason): void {
    this.droppedCount += count;
    this.options.onDrop?.(count, reason);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.sending) return;
    if (this.timer && delayMs > 0) return;
    this.clearTimer();
    // Sending is never part of the request that happened to add the record: outside its
    // transaction (audit stores its own logs in-process, on its own connections).
    this.timer = requestTransaction.detached(() =>
      setTimeout(() => {
        this.timer = null;
        void this.run().then(() => {
          if (this.buffer.length) this.schedule(this.options.flushIntervalMs);
        });
      }, delayMs),
    );
    // Reporting never keeps the process alive by itself; shutdown flushes explicitly.
    this.timer.unref();
  }

  /** One sender at a time: sends batches until the buffer is empty. */
  private run(): Promise<void> {
    if (this.sending) return this.sending;
    if (!this.buffer.length) return Promise.resolve();
    this.sending = (async () => {
      // Yield first, so `sending` is set before the loop can finish and clear it.
      await Promise.resolve();
      try {
        while (this.buffer.length) {
          const batch = this.buffer.splice(0, this.options.batchSize);
          this.inFlight = batch.length;
          try {
            await this.sendWithRetries(batch, this.options.maxRetries ?? Number.POSITIVE_INFINITY);
          } finally {
            this.inFlight = 0;
          }
        }
      } finally {
        this.sending = null;
      }
    })();
    return this.sending;
  }

  private async sendWithRetries(batch: T[], retries: number): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.options.send(batch);
        this.deliveredCount += batch.length;
        if (this.failing) {
          this.failing = false;
          this.options.logger?.info(
            { reporter: this.options.name, attempts: attempt + 1 },
            'report delivery recovered',
          );
        }
        return;
      } catch (error) {
        if (!this.failing) {
          // Once per outage, not per attempt: the retries go on quietly.
          this.failing = true;
          this.options.logger?.warn(
            { err: error, reporter: this.options.name, buffered: this.size, maxBuffer: this.options.maxBuffer },
            'report delivery failing; retrying while the buffer has room',
          );
        }
        if (attempt >= retries || this.stopped) {
          this.giveUp(batch, error);
          return;
        }
        const delay = Math.min((this.options.retryBaseMs ?? 200) * 2 ** attempt, this.options.maxRetryDelayMs ?? 5_000);
        await this.sleep(delay);
        // Stopped while waiting: the batch is given up now, not sent after stop returned.
        if (this.stopped) {
          this.giveUp(batch, error);
          return;
        }
      }
    }
  }

  private giveUp(batch: T[], error: unknown): void {
    this.options.logger?.warn(
      { err: error, records: batch.length, reporter: this.options.name },
      'report delivery failed; records dropped',
    );
    this.drop(batch.length, 'retries_exhausted');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeRetry = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.wakeRetry = wake;
    });
  }
}
