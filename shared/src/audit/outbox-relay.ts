import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { requestTransaction } from '../db/request-transaction';
import type { Logger } from '../logger';
import { ServiceCallError, type ServiceClient } from '../server/service-client';
import {
  outboxTable,
  type AuditEntryPayload,
  type AuthEventPayload,
  type OutboxMessage,
  type Queryable,
} from './outbox';

/**
 * Delivers a subgraph's audit outbox to the audit subgraph: at least once (a row is deleted
 * only after audit stored it, in the transaction that locked it), stored exactly once (audit
 * ignores ids it has). Audit being down only delays: rows wait, the relay backs off, and the
 * backlog is a metric. Several replicas share one outbox safely (FOR UPDATE SKIP LOCKED).
 */
export interface AuditDelivery {
  auditEntries(entries: readonly AuditEntryPayload[]): Promise<void>;
  authEvents(events: readonly AuthEventPayload[]): Promise<void>;
}

/** The audit subgraph's internal mutations, shared by every producer (relays, the gateway). */
export const RECORD_AUDIT_ENTRIES = `mutation RecordAuditEntries($entries: [AuditEntryInput!]!) {
  _recordAuditEntries(entries: $entries)
}`;
export const RECORD_AUTH_EVENTS = `mutation RecordAuthEvents($entries: [AuthEventInput!]!) {
  _recordAuthEvents(entries: $entries)
}`;

/** Straight to the audit subgraph's internal mutations, as the subgraph's service principal. */
export function graphqlAuditDelivery(options: { auditUrl: string; client: ServiceClient }): AuditDelivery {
  return {
    async auditEntries(entries) {
      await options.client.request(options.auditUrl, RECORD_AUDIT_ENTRIES, { entries });
    },
    async authEvents(events) {
      await options.client.request(options.auditUrl, RECORD_AUTH_EVENTS, { entries: events });
    },
  };
}

export interface OutboxRelayOptions {
  /** The subgraph: its schema holds the outbox. */
  subgraph: string;
  dataSource: DataSource;
  /** Null: nowhere to deliver yet (rows wait; a warning says so). */
  delivery: AuditDelivery | null;
  batchSize: number;
  /** How often the outbox is polled when nothing nudges the relay. */
  intervalMs: number;
  /** The longest wait between attempts while audit is failing. */
  maxBackoffMs: number;
  logger?: Logger;
  registry?: Registry;
}

interface OutboxRow {
  id: string;
  kind: OutboxMessage['kind'];
  payload: AuditEntryPayload | AuthEventPayload;
  attempts: number;
}

const REJECTED_BY_AUDIT = new Set(['BAD_USER_INPUT']);

export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;
  private readonly delivered: Counter;
  private readonly failed: Counter;

  constructor(private readonly options: OutboxRelayOptions) {
    const registers = options.registry ? [options.registry] : [];
    this.delivered = new Counter({
      name: 'audit_outbox_delivered_total',
      help: 'Audit entries and auth events the relay delivered to the audit subgraph',
      registers,
    });
    this.failed = new Counter({
      name: 'audit_outbox_delivery_failures_total',
      help: 'Failed deliveries of outbox batches to the audit subgraph (retried)',
      registers,
    });
    if (options.registry) {
      const pending = () => this.pending();
      new Gauge({
        name: 'audit_outbox_pending',
        help: 'Outbox rows not yet delivered to the audit subgraph',
        registers,
        async collect() {
          this.set(await pending().catch(() => -1));
        },
      });
    }
  }

  start(): void {
    if (this.running) return;
    if (!this.options.delivery) {
      this.options.logger?.warn(
        `AUDIT_URL is not set: ${this.options.subgraph}'s audit entries wait in its outbox until it is`,
      );
      return;
    }
    this.running = true;
    // Never inside a request's transaction, whoever starts it.
    this.loop = requestTransaction.detached(() => this.run());
  }

  /** Deliver soon (a mutation just committed outbox rows); ignored while backing off. */
  nudge(): void {
    if (this.failures === 0) this.wake?.();
  }

  /** Stops polling; what is in flight finishes, the rest waits in the outbox for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  /** Rows waiting for delivery. */
  async pending(): Promise<number> {
    const rows = (await this.options.dataSource.query(
      `SELECT count(*)::int AS n FROM ${outboxTable(this.options.subgraph)}`,
    )) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  /**
   * Delivers every row due now, waiting for rows another delivery holds (tests, shutdown).
   * Returns how many this call delivered; throws when audit fails or `timeoutMs` passes.
   */
  async flush(timeoutMs = 10_000): Promise<number> {
    if (!this.options.delivery) return 0;
    const deadline = Date.now() + timeoutMs;
    let total = 0;
    for (;;) {
      total += await this.deliverBatch();
      const rows = (await this.options.dataSource.query(
        `SELECT count(*)::int AS n FROM ${outboxTable(this.options.subgraph)} WHERE next_attempt_at <= now()`,
      )) as { n: number }[];
      if ((rows[0]?.n ?? 0) === 0) return total;
      if (Date.now() > deadline) throw new Error(`audit outbox of ${this.options.subgraph} did not drain in time`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delivered = 0;
      try {
        delivered = await this.deliverBatch();
        if (this.failures > 0) this.options.logger?.info('audit delivery recovered');
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.failed.inc();
        // One line per outage, not per attempt.
        if (this.failures === 1) this.options.logger?.warn({ err: error }, 'audit delivery failed; retrying');
      }
      if (!this.running) break;
      if (delivered >= this.options.batchSize) continue;
      const wait =
        this.failures === 0
          ? this.options.intervalMs
          : Math.min(this.options.maxBackoffMs, this.options.intervalMs * 2 ** Math.min(this.failures, 16));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** One batch, in one transaction: lock due rows, deliver, delete. Returns how many were delivered. */
  private async deliverBatch(): Promise<number> {
    const delivery = this.options.delivery;
    if (!delivery) return 0;
    const table = outboxTable(this.options.subgraph);
    return this.options.dataSource.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT id::text AS id, kind, payload, attempts FROM ${table}
          WHERE next_attempt_at <= now() ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize],
      )) as OutboxRow[];
      if (rows.length === 0) return 0;
      try {
        await deliver(delivery, rows);
      } catch (error) {
        if (!(error instanceof ServiceCallError && error.codes.some((c) => REJECTED_BY_AUDIT.has(c)))) throw error;
        // Audit refused the batch's content: deliver row by row, so one bad row holds up only itself.
        return this.deliverOneByOne(tx, delivery, rows, table);
      }
      await tx.query(`DELETE FROM ${table} WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
      this.delivered.inc(rows.length);
      return rows.length;
    });
  }

  private async deliverOneByOne(
    tx: Queryable,
    delivery: AuditDelivery,
    rows: readonly OutboxRow[],
    table: string,
  ): Promise<number> {
    let delivered = 0;
    for (const row of rows) {
      try {
        await deliver(delivery, [row]);
        await tx.query(`DELETE FROM ${table} WHERE id = $1::uuid`, [row.id]);
        delivered += 1;
      } catch (error) {
        // Kept, never dropped: retried later, visible in the pending metric and last_error.
        await tx.query(
          `UPDATE ${table} SET attempts = attempts + 1, last_error = $2,
                  next_attempt_at = now() + make_interval(secs => least(3600, 2 ^ least(attempts + 1, 12)))
            WHERE id = $1::uuid`,
          [row.id, error instanceof Error ? error.message.slice(0, 1000) : String(error)],
        );
        this.options.logger?.error({ err: error, outboxId: row.id }, 'audit refused an outbox row; kept for retry');
      }
    }
    this.delivered.inc(delivered);
    return delivered;
  }
}

async function deliver(delivery: AuditDelivery, rows: readonly OutboxRow[]): Promise<void> {
  const entries = rows.filter((r) => r.kind === 'AUDIT_ENTRY').map((r) => r.payload as AuditEntryPayload);
  const events = rows.filter((r) => r.kind === 'AUTH_EVENT').map((r) => r.payload as AuthEventPayload);
  if (entries.length) await delivery.auditEntries(entries);
  if (events.length) await delivery.authEvents(events);
}
