import { randomUUID } from 'node:crypto';
import { storableJson } from '../graphql/storable-text';
import { sqlIdentifier } from './capture-sql';

/**
 * What a subgraph's outbox holds and the relay delivers: the inputs of the audit subgraph's
 * `_recordAuditEntries` and `_recordAuthEvents` (AuditEntryInput, AuthEventInput), field for
 * field. The id is chosen here, once, so a redelivery stores nothing new.
 */
export interface AuditEntryPayload {
  id: string;
  occurredAt: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  status: 'success' | 'failure';
  before: unknown;
  after: unknown;
  details: Record<string, unknown> | null;
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  source: string;
}

export type AuthEventType = 'LOGIN' | 'LOGOUT' | 'TOKEN_REFUSED' | 'SESSION_EXPIRED' | 'API_KEY_USED';

export interface AuthEventPayload {
  id: string;
  occurredAt: string;
  eventType: AuthEventType;
  status: 'SUCCESS' | 'FAILURE';
  userId: string | null;
  username: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  sessionId: string | null;
  details: Record<string, unknown> | null;
  source: string;
}

/** An auth event as services describe it; id, time and source are filled in. */
export type AuthEventInput = Omit<AuthEventPayload, 'id' | 'occurredAt' | 'source' | 'details'> & {
  details?: Record<string, unknown> | null;
};

export type OutboxMessage =
  { kind: 'AUDIT_ENTRY'; payload: AuditEntryPayload } | { kind: 'AUTH_EVENT'; payload: AuthEventPayload };

export function authEventPayload(event: AuthEventInput, source: string): AuthEventPayload {
  return {
    ...event,
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    details: event.details ?? null,
    source,
  };
}

/** Anything with `query` (DataSource, EntityManager, QueryRunner). */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export function outboxTable(schema: string): string {
  return `${sqlIdentifier(schema)}.audit_outbox`;
}

/** Adds messages to the schema's outbox in one statement (inside the caller's transaction, if any). */
export async function writeOutbox(db: Queryable, schema: string, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await db.query(
    `INSERT INTO ${outboxTable(schema)} (id, kind, payload)
     SELECT (m->'payload'->>'id')::uuid, m->>'kind', m->'payload' FROM jsonb_array_elements($1::jsonb) m`,
    [storableJson(messages)],
  );
}
