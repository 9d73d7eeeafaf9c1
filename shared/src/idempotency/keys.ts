import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal';
import { sqlIdentifier } from '../audit/capture-sql';

/**
 * Idempotency keys (issue 17 item 5): a client that may retry a mutation sends an
 * `Idempotency-Key` header; the gateway passes it, with a fingerprint of the client's
 * operation, to the subgraphs its mutation fetches go to, and each subgraph stores the key
 * with the change, in the same transaction (server/idempotent-execution.ts). A retry with the
 * same key then answers the first outcome instead of writing again.
 */

/** Printable ASCII (space to tilde), 1 to 255 characters: a UUID, a ULID, a client's own request id. */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;
const FINGERPRINT_PATTERN = /^[0-9a-f]{64}$/;

/** Why a given `Idempotency-Key` is refused, or null when it is a valid key. */
export function idempotencyKeyProblem(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return 'Idempotency-Key must be given once';
  if (value === undefined) return null;
  if (!KEY_PATTERN.test(value)) return 'Idempotency-Key must be 1 to 255 printable ASCII characters';
  return null;
}

export const isFingerprint = (value: unknown): value is string =>
  typeof value === 'string' && FINGERPRINT_PATTERN.test(value);

/** JSON with object keys sorted, so the same variables hash alike whatever order a client wrote them in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * What tells two uses of one key apart: sha256 of the document (its text, or its hash for a
 * persisted operation), the operation name and the variables.
 */
export function operationFingerprint(document: string, operationName: string | null | undefined, variables: unknown) {
  return createHash('sha256')
    .update(canonicalJson([document, operationName ?? null, variables ?? {}]))
    .digest('hex');
}

/**
 * Whose key it is: keys are the caller's own, so two callers' same key never meet. API keys act
 * as their owner, so share the owner's keys. Anonymous callers (login) have none.
 */
export function idempotencySubjectOf(principal: Principal): string | null {
  if (principal.kind === 'anonymous') return null;
  const id = principal.userId ?? principal.username ?? principal.clientName;
  return id ? `${principal.kind}:${id}` : null;
}

/** Hours a key is kept (IDEMPOTENCY_KEY_RETENTION_HOURS) when nothing says otherwise. */
export const DEFAULT_IDEMPOTENCY_RETENTION_HOURS = 24;

/**
 * The `<schema>.idempotency_keys` table, for one migration per subgraph schema. Keyed on the
 * caller, the key and the subgraph request's own hash (one client operation may send several
 * mutation fetches to one subgraph); the fingerprint is the client's operation; the stored
 * answer is the subgraph's response (its data and errors), sealed as text (`v1:…`, see
 * server/idempotent-execution.ts; older rows may hold it in clear). No capture trigger: it is the trail's plumbing,
 * like the outbox, not a change of the subgraph's data.
 */
export function idempotencyKeysMigrationSql(schema: string): string[] {
  const s = sqlIdentifier(schema);
  return [
    `CREATE TABLE ${s}.idempotency_keys (
       subject varchar(300) NOT NULL,
       key varchar(255) NOT NULL,
       request_hash char(64) NOT NULL,
       fingerprint char(64) NOT NULL,
       response_status smallint NOT NULL,
       response_body text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (subject, key, request_hash)
     )`,
    `CREATE INDEX idempotency_keys_created_at_idx ON ${s}.idempotency_keys (created_at)`,
  ];
}

export function dropIdempotencyKeysSql(schema: string): string[] {
  return [`DROP TABLE ${sqlIdentifier(schema)}.idempotency_keys`];
}
