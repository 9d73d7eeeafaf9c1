import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { CommonConfig } from '../config';
import { storableValue } from '../graphql/storable-text';
import { createLogger, type DestinationStream, type Level, type Logger, type LogTap } from '../logger';
import type { ServiceClient } from '../server/service-client';
import { BatchReporter, type BatchReporterOptions, type DropReason } from './batch-reporter';
import type { ReporterMetrics } from './reporter-metrics';

/**
 * Each service's own warnings and errors, in audit's application logs as well as on stdout.
 * The logger hands a line to the shipper synchronously (one parse and a bounded copy); a
 * BatchReporter delivers it off the request path, bounded, batched, retried, and counts what
 * it must drop. Shipping never feeds itself: lines logged while delivering, or by audit while
 * serving a delivery, are not shipped, and the shipper tells its own trouble to stdout only,
 * once per outage.
 */

/** Audit's levels (`LogEntryInput.level`). */
export type LogEntryLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** Audit's `LogEntryInput`, filled from one of the service's own log lines. */
export interface LogEntryPayload {
  /** ISO-8601: when the line was logged. */
  occurredAt: string;
  level: LogEntryLevel;
  /** The service (`gateway`, `subgraph-incidents`). */
  component: string;
  message: string;
  requestId: string | null;
  durationMs: number | null;
  /** The line's other fields, bounded; an error's type and code, never its stack. */
  extra: Record<string, unknown> | null;
  /** Audit knows `backend` and `frontend`: every service here is a backend. */
  source: 'backend';
}

export type LogDelivery = (entries: readonly LogEntryPayload[]) => Promise<void>;

export const RECORD_LOGS = `mutation RecordLogs($entries: [LogEntryInput!]!) {
  _recordLogs(entries: $entries)
}`;

/** Request ids of deliveries: what audit logs while serving one is not shipped back. */
export const LOG_SHIPPING_REQUEST_PREFIX = 'log-shipping-';

/** Straight to audit's `_recordLogs`, as the service's principal. */
export function graphqlLogDelivery(options: { auditUrl: string; client: ServiceClient }): LogDelivery {
  return async (entries) => {
    await options.client.request(
      options.auditUrl,
      RECORD_LOGS,
      // Audit refuses text Postgres cannot store, and with it the whole batch.
      { entries: storableValue(entries) },
      `${LOG_SHIPPING_REQUEST_PREFIX}${randomUUID()}`,
    );
  };
}

// Audit refuses a message over 20 000 characters, a request id over 64, a component over 50
// and extra over 64 KiB of JSON. Ours are tighter, so the buffer stays small too.
const MAX_MESSAGE = 4_000;
const MAX_COMPONENT = 50;
const MAX_REQUEST_ID = 64;
/** Characters of extra's JSON: at most 3 bytes each in UTF-8, well under audit's 64 KiB. */
const MAX_EXTRA = 8_000;
const MAX_STRING = 1_000;
const MAX_KEY = 100;
const MAX_ITEMS = 20;
const MAX_DEPTH = 4;

/** Fields the entry's own columns hold (or pino's bookkeeping). */
const MAPPED = new Set(['level', 'time', 'msg', 'service', 'name', 'pid', 'err', 'requestId', 'durationMs']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Postgres stores neither NUL nor half a surrogate pair in text or jsonb. */
const storable = (text: string): string => text.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');

const truncate = (text: string, max: number): string =>
  storable(text.length > max ? `${text.slice(0, max - 1)}…` : text);

function levelOf(value: unknown): LogEntryLevel {
  const level = typeof value === 'number' ? value : 50;
  if (level >= 60) return 'CRITICAL';
  if (level >= 50) return 'ERROR';
  if (level >= 40) return 'WARNING';
  if (level >= 30) return 'INFO';
  return 'DEBUG';
}

function bounded(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return truncate(value, MAX_STRING);
  if (value === null || typeof value !== 'object') return value ?? null;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => bounded(item, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`[${value.length - MAX_ITEMS} more]`);
    return items;
  }
  const entries = Object.entries(value);
  // fromEntries defines own properties, so a `__proto__` key stays a key.
  const kept = entries.slice(0, MAX_ITEMS).map(([key, item]) => [truncate(key, MAX_KEY), bounded(item, depth + 1)]);
  if (entries.length > MAX_ITEMS) kept.push(['…', `${entries.length - MAX_ITEMS} more keys`]);
  return Object.fromEntries(kept);
}

const errorMessageOf = (err: unknown): string | null =>
  typeof err === 'string' ? err : isRecord(err) && typeof err.message === 'string' ? err.message : null;

/** What audit may know of an error: its kind and code; the stack stays on stdout. */
function errorSummaryOf(err: unknown): Record<string, unknown> | null {
  if (!isRecord(err)) return null;
  const summary: Record<string, unknown> = {};
  if (typeof err.type === 'string') summary.type = truncate(err.type, MAX_KEY);
  if (typeof err.code === 'string') summary.code = truncate(err.code, MAX_KEY);
  else if (typeof err.code === 'number') summary.code = err.code;
  return Object.keys(summary).length ? summary : null;
}

/** One pino line (parsed) as audit's LogEntryInput; never one audit would refuse. */
export function logEntryOf(line: Record<string, unknown>, component: string): LogEntryPayload {
  let message = typeof line.msg === 'string' ? line.msg : '';
  const errorMessage = errorMessageOf(line.err);
  if (errorMessage && !message.includes(errorMessage)) message = message ? `${message}: ${errorMessage}` : errorMessage;
  // Audit trims and refuses an empty message: trim after cleaning, which may leave only spaces.
  message = truncate(message, MAX_MESSAGE).trim();

  const fields: [string, unknown][] = [];
  const omitted: string[] = [];
  let omittedCount = 0;
  let used = 2;
  for (const [key, value] of Object.entries(line)) {
    if (MAPPED.has(key)) continue;
    const name = truncate(key, MAX_KEY);
    const kept = bounded(value, 1);
    const size = name.length + JSON.stringify(kept).length + 4;
    if (used + size > MAX_EXTRA) {
      omittedCount += 1;
      if (omitted.length < MAX_ITEMS) omitted.push(name);
      continue;
    }
    fields.push([name, kept]);
    used += size;
  }
  const extra: Record<string, unknown> = Object.fromEntries(fields);
  // Named, so a reader knows what to look for in the stdout line.
  if (omittedCount > omitted.length) omitted.push(`${omittedCount - omitted.length} more`);
  if (omitted.length) extra._omitted = omitted;
  const err = errorSummaryOf(line.err);
  if (err) extra.err = err;

  const givenId = line.requestId;
  const requestId = typeof givenId === 'string' ? storable(givenId).trim() : '';
  // Audit's column takes 64 characters (subgraphs accept ids of 128): others stay in extra.
  const fitsColumn = requestId.length > 0 && requestId.length <= MAX_REQUEST_ID;
  if (givenId !== undefined && givenId !== null && !fitsColumn) extra.requestId = bounded(givenId, 1);

  const duration = typeof line.durationMs === 'number' ? Math.round(line.durationMs) : Number.NaN;
  // Audit's column is a Postgres integer.
  const durationMs = duration >= 0 && duration <= 2_147_483_647 ? duration : null;
  if (line.durationMs !== undefined && durationMs === null) extra.durationMs = bounded(line.durationMs, 1);

  const time = typeof line.time === 'number' ? new Date(line.time) : new Date();
  return {
    occurredAt: (Number.isNaN(time.getTime()) ? new Date() : time).toISOString(),
    level: levelOf(line.level),
    component: truncate(component.trim(), MAX_COMPONENT).trim() || 'unknown',
    message: message || '(no message)',
    requestId: fitsColumn ? requestId : null,
    durationMs,
    extra: Object.keys(extra).length ? extra : null,
    source: 'backend',
  };
}

/** Set while a shipper delivers: anything logged meanwhile is the shipper's doing. */
const delivering = new AsyncLocalStorage<true>();

/** Why a line never reached audit (`report_dropped_total{reporter="logs",reason}`). */
export type LogDropReason = DropReason | 'unreadable';

/** The reporter's buffer and retry settings, plus what is logs-specific. */
export interface LogShipperOptions extends Pick<
  BatchReporterOptions<LogEntryPayload>,
  'maxBuffer' | 'batchSize' | 'flushIntervalMs' | 'maxRetries' | 'retryBaseMs' | 'maxRetryDelayMs'
> {
  /** The service: every entry's component. */
  service: string;
  /** Lines at or above it ship. */
  level: Level;
  deliver: LogDelivery;
  /** Where delivery trouble is told, once per outage. Must not ship: a plain stdout logger. */
  logger?: Logger;
}

/** A pino destination (a `LogTap`) that ships what it is given to audit. */
export class LogShipper implements LogTap {
  readonly level: Level;
  private readonly minLevel: number;
  private readonly reporter: BatchReporter<LogEntryPayload>;
  private readonly drops = new Map<LogDropReason, number>();
  private metrics: ReporterMetrics | null = null;
  private failing = false;

  constructor(private readonly options: LogShipperOptions) {
    this.level = options.level;
    this.minLevel = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }[options.level];
    this.reporter = new BatchReporter<LogEntryPayload>({
      name: 'logs',
      send: (batch) => this.deliver(batch),
      maxBuffer: options.maxBuffer,
      batchSize: options.batchSize,
      flushIntervalMs: options.flushIntervalMs,
      // Unlimited by default: lines wait out an audit outage while the buffer has room.
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      retryBaseMs: options.retryBaseMs ?? 500,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 5_000,
      // No logger: its per-batch warning would be shipped in turn. Drops are counted instead.
      onDrop: (count, reason) => this.countDrop(count, reason),
    });
  }

  /** Lines waiting or being sent. */
  get size(): number {
    return this.reporter.size;
  }

  get delivered(): number {
    return this.reporter.delivered;
  }

  get dropped(): number {
    let total = 0;
    for (const count of this.drops.values()) total += count;
    return total;
  }

  /** Called by pino with one serialized line; must never throw into the caller's log call. */
  write(line: string): void {
    if (delivering.getStore()) return;
    let entry: LogEntryPayload;
    try {
      const parsed: unknown = JSON.parse(line);
      if (!isRecord(parsed) || typeof parsed.level !== 'number' || parsed.level < this.minLevel) return;
      const requestId = parsed.requestId;
      if (typeof requestId === 'string' && requestId.startsWith(LOG_SHIPPING_REQUEST_PREFIX)) return;
      entry = logEntryOf(parsed, this.options.service);
    } catch {
      this.countDrop(1, 'unreadable');
      return;
    }
    this.reporter.add(entry);
  }

  /** Buffer size and drops on a service's /metrics, under the reporter name `logs`. */
  observe(metrics: ReporterMetrics): void {
    this.metrics = metrics;
    metrics.watch('logs', this);
    // Zero series from the start, so an alert on their rate sees them before the first drop.
    for (const reason of ['buffer_full', 'retries_exhausted'] as const) {
      metrics.dropped.inc({ reporter: 'logs', reason }, 0);
    }
    for (const [reason, count] of this.drops) metrics.dropped.inc({ reporter: 'logs', reason }, count);
  }

  /** Delivers everything buffered now (tests). */
  flush(): Promise<void> {
    return this.reporter.flush();
  }

  /** Flushes within `timeoutMs` (briefly while audit is failing), then drops and counts the rest. */
  stop(timeoutMs = 5_000): Promise<void> {
    return this.reporter.stop(this.failing ? Math.min(timeoutMs, 500) : timeoutMs);
  }

  private async deliver(batch: LogEntryPayload[]): Promise<void> {
    try {
      await delivering.run(true, () => this.options.deliver(batch));
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.options.logger?.warn(
          { err: error, reporter: 'logs' },
          'log shipping to audit failing; retrying, drops counted in report_dropped_total{reporter="logs"}',
        );
      }
      throw error;
    }
    if (this.failing) {
      this.failing = false;
      this.options.logger?.info({ reporter: 'logs', dropped: this.dropped }, 'log shipping to audit recovered');
    }
  }

  private countDrop(count: number, reason: LogDropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + count);
    this.metrics?.dropped.inc({ reporter: 'logs', reason }, count);
  }
}

export type LogShippingSettings = Pick<
  CommonConfig,
  'LOG_LEVEL' | 'LOG_SHIP_LEVEL' | 'LOG_SHIP_BUFFER' | 'LOG_SHIP_BATCH' | 'LOG_SHIP_FLUSH_MS'
>;

/**
 * A service's own logger: stdout at LOG_LEVEL as ever, and the lines at or above
 * LOG_SHIP_LEVEL to `deliver` too. No shipper when LOG_SHIP_LEVEL is `off` or there is
 * nowhere to deliver. The caller observes its metrics and stops it with the service.
 */
export function createShippingLogger(
  service: string,
  settings: LogShippingSettings,
  deliver: LogDelivery | null,
  destination?: DestinationStream,
): { logger: Logger; shipper: LogShipper | null } {
  if (settings.LOG_SHIP_LEVEL === 'off' || !deliver) {
    return { logger: createLogger(service, settings.LOG_LEVEL, destination), shipper: null };
  }
  const shipper = new LogShipper({
    service,
    level: settings.LOG_SHIP_LEVEL,
    deliver,
    maxBuffer: settings.LOG_SHIP_BUFFER,
    batchSize: settings.LOG_SHIP_BATCH,
    flushIntervalMs: settings.LOG_SHIP_FLUSH_MS,
    logger: createLogger(service, settings.LOG_LEVEL, destination),
  });
  return { logger: createLogger(service, settings.LOG_LEVEL, destination, shipper), shipper };
}
