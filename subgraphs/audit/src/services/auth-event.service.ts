import {
  badUserInput,
  optionalText,
  paginate,
  requireService,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
  type SqlCondition,
} from '@socgraph/shared';
import type { EntityManager } from 'typeorm';
import type { AuditScope } from '../context';
import { AuthEventEntity, type AuthEventRow } from '../entities';
import { checkedPageArgs, loadPage } from '../loaders';
import { appendToChain, type ChainRow } from './chain';
import { ConditionBuilder } from './filters';
import { AGENT, batch, instant, ip, json, LONG, NAME, nonNegativeInt, requireAuditReader, uuid } from './input';

export const AUTH_EVENT_TYPES = ['LOGIN', 'LOGOUT', 'TOKEN_REFUSED', 'SESSION_EXPIRED', 'API_KEY_USED'] as const;
export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

export interface AuthEventInput {
  id: string;
  occurredAt?: Date | null;
  eventType: AuthEventType;
  status: 'SUCCESS' | 'FAILURE';
  userId?: string | null;
  username?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  sessionId?: string | null;
  deviceFingerprint?: string | null;
  riskScore?: number | null;
  details?: Record<string, unknown> | null;
  source: string;
}

/** `User.authEvents`' filter: the user is given, so only what narrows one user's events. */
export type UserAuthEventFilter = Pick<AuthEventFilter, 'eventType' | 'status' | 'from' | 'to'>;

export interface AuthEventFilter {
  username?: string | null;
  userId?: string | null;
  eventType?: AuthEventType | null;
  status?: 'SUCCESS' | 'FAILURE' | null;
  ipAddress?: string | null;
  from?: Date | null;
  to?: Date | null;
}

function validEvent(e: AuthEventInput, i: number) {
  const f = (name: string): string => `entries[${i}].${name}`;
  if (!AUTH_EVENT_TYPES.includes(e.eventType)) throw badUserInput(`${f('eventType')} is unknown`, f('eventType'));
  const riskScore = nonNegativeInt(e.riskScore, f('riskScore')) ?? 0;
  if (riskScore > 100) throw badUserInput(`${f('riskScore')} must be at most 100`, f('riskScore'));
  return {
    id: uuid(e.id, f('id')),
    created_at: instant(e.occurredAt, f('occurredAt')),
    event_type: e.eventType,
    event_status: e.status === 'FAILURE' ? 'FAILURE' : 'SUCCESS',
    user_id: optionalText(e.userId, f('userId'), { max: 64 }),
    username: optionalText(e.username, f('username'), NAME),
    ip_address: ip(e.ipAddress, f('ipAddress')),
    user_agent: optionalText(e.userAgent, f('userAgent'), AGENT),
    session_id: optionalText(e.sessionId, f('sessionId'), LONG),
    device_fingerprint: optionalText(e.deviceFingerprint, f('deviceFingerprint'), LONG),
    risk_score: riskScore,
    details: json(e.details, f('details')) ?? {},
    source: text(e.source, f('source'), { max: 50 }),
  };
}

/** Auth events (identity and the gateway): a chain of their own, and brute-force detection. */
export class AuthEventService extends ScopedService<AuditScope> {
  async record(entries: readonly AuthEventInput[]): Promise<number> {
    requireService(this.principal);
    const rows = batch(entries).map(validEvent);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const appended = await this.dataSource.transaction(async (tx) => {
      const added = await appendToChain(
        tx,
        'AUTH_EVENTS',
        this.scope.deps.config.AUDIT_SIGNING_KEY,
        [...byId.keys()],
        async (newIds) => {
          await tx.query(
            `INSERT INTO audit.auth_audit_log (id, created_at, event_type, event_status, user_id, username, ip_address,
               user_agent, session_id, device_fingerprint, risk_score, details, source)
             SELECT id, created_at, event_type, event_status, user_id, username, ip_address, user_agent, session_id,
               device_fingerprint, risk_score, details, source
             FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, created_at timestamptz, event_type text,
               event_status text, user_id text, username text, ip_address inet, user_agent text, session_id text,
               device_fingerprint text, risk_score int, details jsonb, source text)`,
            [JSON.stringify([...byId.values()].filter((r) => newIds.has(r.id)))],
          );
        },
      );
      // Still under the chain lock: detection is serialised too, so it cannot double-raise.
      await this.detectBruteForce(tx, added);
      return added;
    });
    return appended.length;
  }

  /**
   * Failed logins from one ip or for one username reaching the threshold within the window
   * raise one BRUTE_FORCE security event; further failures while an event for that ip or
   * username is younger than the window raise nothing more.
   */
  private async detectBruteForce(tx: EntityManager, added: readonly ChainRow[]): Promise<void> {
    const { BRUTE_FORCE_THRESHOLD: threshold, BRUTE_FORCE_WINDOW_SECONDS: window } = this.scope.deps.config;
    const latest = new Map<string, ChainRow>();
    for (const row of added) {
      if (row.event_type !== 'LOGIN' || row.event_status !== 'FAILURE') continue;
      if (row.ip_address === null && row.username === null) continue;
      latest.set(`${String(row.ip_address)}|${String(row.username)}`, row);
    }
    for (const row of latest.values()) {
      const at = row.created_at as Date;
      const params = [row.ip_address, row.username, at, window];
      const [open] = (await tx.query(
        `SELECT 1 FROM audit.security_events WHERE threat_type = 'BRUTE_FORCE'
           AND created_at > $3::timestamptz - make_interval(secs => $4) AND created_at <= $3::timestamptz
           AND (source_ip = $1::inet OR username = $2)`,
        params,
      )) as unknown[];
      if (open) continue;
      const [counts] = (await tx.query(
        `SELECT count(*) FILTER (WHERE ip_address = $1::inet)::int AS by_ip,
                count(*) FILTER (WHERE username = $2)::int AS by_user
         FROM audit.auth_audit_log
         WHERE event_type = 'LOGIN' AND event_status = 'FAILURE'
           AND created_at > $3::timestamptz - make_interval(secs => $4) AND created_at <= $3::timestamptz
           AND (ip_address = $1::inet OR username = $2)`,
        params,
      )) as { by_ip: number; by_user: number }[];
      if (!counts || Math.max(counts.by_ip, counts.by_user) < threshold) continue;
      await tx.query(
        `INSERT INTO audit.security_events (user_id, username, event_category, severity_level, threat_type, source_ip,
           target_resource, attack_vector, detection_method, details, created_at)
         VALUES ($1, $2, 'AUTHENTICATION', 'HIGH', 'BRUTE_FORCE', $3::inet, 'login', 'credential guessing',
           'failed-login threshold', $4::jsonb, $5)`,
        [
          row.user_id,
          row.username,
          row.ip_address,
          JSON.stringify({ failuresByIp: counts.by_ip, failuresByUsername: counts.by_user, threshold, window }),
          at,
        ],
      );
    }
  }

  async list(args: ConnectionArgs, filter?: AuthEventFilter | null): Promise<Connection<AuthEventRow>> {
    requireAuditReader(this.principal);
    const condition = authEventCondition(filter);
    const query = this.dataSource
      .getRepository(AuthEventEntity)
      .createQueryBuilder('e')
      .where(condition.sql, condition.params);
    return paginate(query, args, [{ column: 'e.seq', direction: 'DESC', value: (r) => r.seq }]);
  }

  /** `User.authEvents`: one user's events, loaded with every other user's of the same request. */
  async forUser(
    userId: string,
    args: ConnectionArgs,
    filter?: UserAuthEventFilter | null,
  ): Promise<Connection<AuthEventRow>> {
    requireAuditReader(this.principal);
    return loadPage(this.scope.loaders.authEventsByUserId, {
      parent: userId,
      args: checkedPageArgs(args),
      where: authEventCondition(filter),
    });
  }
}

/** The filter as SQL on alias `e`: the Query list and the per-user lists share it. */
function authEventCondition(filter: AuthEventFilter | null | undefined): SqlCondition {
  return new ConditionBuilder('e')
    .equals('username', filter?.username, 'filter.username', 150)
    .equals('user_id', filter?.userId, 'filter.userId', 64)
    .equals('event_type', filter?.eventType, 'filter.eventType', 50)
    .equals('event_status', filter?.status, 'filter.status', 20)
    .ip('ip_address', filter?.ipAddress, 'filter.ipAddress')
    .period('created_at', filter?.from, filter?.to)
    .build();
}
