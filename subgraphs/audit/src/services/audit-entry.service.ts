import {
  badUserInput,
  paginate,
  requireService,
  ScopedService,
  text,
  optionalText,
  TRUE_CONDITION,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { AuditScope } from '../context';
import { AuditEntryEntity, type AuditEntryRow } from '../entities';
import { checkedPageArgs, loadPage } from '../loaders';
import { appendToChain, recordVerification, verifyChain, type ChainName, type ChainVerification } from './chain';
import { ConditionBuilder } from './filters';
import { AGENT, batch, instant, ip, json, LONG, requireAuditReader, SHORT, uuid } from './input';

export interface AuditEntryInput {
  id: string;
  occurredAt?: Date | null;
  actor: string;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  status: string;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown> | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  source: string;
}

export interface AuditFilter {
  actor?: string | null;
  action?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  status?: string | null;
  requestId?: string | null;
  source?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const STATUSES = new Set(['success', 'failure']);

function validEntry(e: AuditEntryInput, i: number) {
  const f = (name: string): string => `entries[${i}].${name}`;
  const status = text(e.status, f('status'), { max: 20 }).toLowerCase();
  if (!STATUSES.has(status)) throw badUserInput(`${f('status')} must be success or failure`, f('status'));
  return {
    id: uuid(e.id, f('id')),
    created_at: instant(e.occurredAt, f('occurredAt')),
    actor: text(e.actor, f('actor'), SHORT),
    action: text(e.action, f('action'), SHORT),
    resource_type: text(e.resourceType, f('resourceType'), { max: 50 }),
    resource_id: optionalText(e.resourceId, f('resourceId'), LONG),
    status,
    before: json(e.before, f('before')),
    after: json(e.after, f('after')),
    details: json(e.details, f('details')),
    ip_address: ip(e.ipAddress, f('ipAddress')),
    user_agent: optionalText(e.userAgent, f('userAgent'), AGENT),
    request_id: optionalText(e.requestId, f('requestId'), { max: 64 }),
    source: text(e.source, f('source'), { max: 50 }),
  };
}

/** The audit trail: append-only, hash-chained, read by admins and auditors. */
export class AuditEntryService extends ScopedService<AuditScope> {
  /** Stores the entries not stored yet (at-least-once delivery, exactly-once storage); returns how many were new. */
  async record(entries: readonly AuditEntryInput[]): Promise<number> {
    requireService(this.principal);
    const rows = batch(entries).map(validEntry);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const appended = await this.dataSource.transaction((tx) =>
      appendToChain(tx, 'AUDIT_LOG', this.scope.deps.config.AUDIT_SIGNING_KEY, [...byId.keys()], async (newIds) => {
        const fresh = [...byId.values()].filter((r) => newIds.has(r.id));
        await tx.query(
          `INSERT INTO audit.audit_logs (id, created_at, actor, action, resource_type, resource_id, status, before,
             after, details, ip_address, user_agent, request_id, source)
           SELECT id, created_at, actor, action, resource_type, resource_id, status, before, after, details,
             ip_address, user_agent, request_id, source
           FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, created_at timestamptz, actor text, action text,
             resource_type text, resource_id text, status text, before jsonb, after jsonb, details jsonb,
             ip_address inet, user_agent text, request_id text, source text)`,
          [JSON.stringify(fresh)],
        );
      }),
    );
    return appended.length;
  }

  async list(args: ConnectionArgs, filter?: AuditFilter | null): Promise<Connection<AuditEntryRow>> {
    requireAuditReader(this.principal);
    const condition = new ConditionBuilder('a')
      .equals('actor', filter?.actor, 'filter.actor', 100)
      .equals('action', filter?.action, 'filter.action', 100)
      .equals('resource_type', filter?.resourceType, 'filter.resourceType', 50)
      .equals('resource_id', filter?.resourceId, 'filter.resourceId')
      .equals('status', filter?.status?.toLowerCase(), 'filter.status', 20)
      .equals('request_id', filter?.requestId, 'filter.requestId', 64)
      .equals('source', filter?.source, 'filter.source', 50)
      .period('created_at', filter?.from, filter?.to)
      .build();
    const query = this.dataSource
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('a')
      .where(condition.sql, condition.params);
    return paginate(query, args, [{ column: 'a.seq', direction: 'DESC', value: (r) => r.seq }]);
  }

  /**
   * `User.auditEntries`: the entries a username is the actor of, loaded with every other user's
   * of the same request. The username comes from identity (`@requires`).
   */
  async byActor(username: string | undefined, args: ConnectionArgs): Promise<Connection<AuditEntryRow>> {
    requireAuditReader(this.principal);
    if (username === undefined) throw badUserInput('The User representation lacks its username', 'username');
    return loadPage(this.scope.loaders.auditEntriesByActor, {
      parent: username,
      args: checkedPageArgs(args),
      where: TRUE_CONDITION,
    });
  }

  /** Walks in this request so far (the context, and so this service, lives for one request). */
  private verifications = 0;

  /**
   * Admins and auditors; from the last verified row unless `full` (see chain.ts), and once per
   * request, so aliases cannot multiply a walk.
   */
  async verify(chain: ChainName, full: boolean): Promise<ChainVerification> {
    requireAuditReader(this.principal);
    this.verifications += 1;
    if (this.verifications > 1)
      throw badUserInput('verifyAuditChain runs at most once per request', 'verifyAuditChain');
    // One snapshot for the whole walk, so a concurrent append or retention prune cannot look like a break.
    const { through, ...result } = await this.dataSource.transaction('REPEATABLE READ', (tx) =>
      verifyChain(tx, chain, this.scope.deps.config.AUDIT_SIGNING_KEY, full),
    );
    await recordVerification(this.dataSource, chain, { valid: result.valid, through });
    return result;
  }
}
