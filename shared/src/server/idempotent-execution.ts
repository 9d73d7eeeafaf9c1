import type { IncomingMessage } from 'node:http';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { DataSource } from 'typeorm';
import { Headers } from '../auth/tokens';
import { sqlIdentifier } from '../audit/capture-sql';
import { SecretBoxError, type SecretBox } from '../crypto/secret-box';
import { requestTransaction } from '../db/request-transaction';
import { badUserInput, isDatabaseUnavailable, isStatementTimeout, DeadlineExceededError } from '../errors';
import { idempotencyKeyProblem, idempotencySubjectOf, isFingerprint, operationFingerprint } from '../idempotency/keys';
import type { Logger } from '../logger';
import { HttpError } from './http';
import type { SubgraphContext } from './subgraph-server';

/**
 * A subgraph's side of idempotency keys (see idempotency/keys.ts). A mutation request that
 * carries `Idempotency-Key` runs as ONE transaction: a transaction-level advisory lock on
 * (caller, key) first, so a concurrent repeat waits for the first to commit or roll back; then
 * the stored answer if the key was used already (nothing runs: no second row, no second audit
 * entry), CONFLICT if it was used with another operation or variables, else the operation,
 * whose answer is stored in the same transaction as its change. A request whose mutations all
 * failed (each rolled back to its savepoint) stores nothing, so a retry runs again.
 *
 * The stored answer may hold personal data (names, comments) for the key's retention, so it is
 * sealed like stored credentials (crypto/secret-box.ts), bound to its row: a value copied to
 * another caller's key, or an altered status, does not open. An answer that does not open is
 * never a reason to run the mutation again: the caller gets a coded error instead.
 */

export interface IdempotencyOptions {
  /** The subgraph, also its Postgres schema. */
  subgraph: string;
  dataSource: DataSource;
  /** How long a key answers the first outcome (IDEMPOTENCY_KEY_RETENTION_HOURS). */
  retentionHours: number;
  /** Seals stored answers (SECRETS_ENCRYPTION_KEY; SECRETS_PREVIOUS_KEYS open older ones). */
  box: SecretBox;
  /**
   * Mutation fields whose answer holds a secret shown once (createApiKey): a keyed request with
   * one is refused, so that the secret is never stored with the key.
   */
  unreplayable?: readonly string[];
  /** After a keyed request committed (the audit relay delivers its entries at once). */
  onCommit?: () => void;
  logger?: Logger;
}

/** Marks an answer that was stored, not run. */
export const IDEMPOTENT_REPLAY_HEADER = 'idempotent-replay';

interface StoredAnswer {
  request_hash: string;
  fingerprint: string;
  response_status: number;
  response_body: string;
}

interface KeyedRequest {
  key: string;
  subject: string;
  requestHash: string;
  fingerprint: string;
  /** Response keys of the root fields: where a refusal's error goes. */
  rootKeys: string[];
}

function headerOf(req: IncomingMessage, name: string): string | string[] | undefined {
  return req.headers[name];
}

function mutationOf(
  body: unknown,
): { operation: OperationDefinitionNode; query: string; body: Record<string, unknown> } | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  if (typeof record.query !== 'string') return null;
  let operations: OperationDefinitionNode[];
  try {
    operations = parse(record.query).definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
  } catch {
    return null;
  }
  const name = typeof record.operationName === 'string' ? record.operationName : undefined;
  const operation = name
    ? operations.find((o) => o.name?.value === name)
    : operations.length === 1
      ? operations[0]
      : undefined;
  return operation?.operation === 'mutation' ? { operation, query: record.query, body: record } : null;
}

const rootFieldsOf = (operation: OperationDefinitionNode) =>
  operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s] : []));

const jsonHeaders = (extra: Record<string, string> = {}): HeaderMap => {
  const headers = new HeaderMap();
  headers.set('content-type', 'application/json; charset=utf-8');
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
};

/** A GraphQL answer with one error on the request's first root field (the gateway maps it there). */
function errorAnswer(keyed: KeyedRequest, message: string, extensions: Record<string, unknown>): HTTPGraphQLResponse {
  const path = keyed.rootKeys.slice(0, 1);
  return {
    status: 200,
    headers: jsonHeaders(),
    body: {
      kind: 'complete',
      string: JSON.stringify({ data: null, errors: [{ message, ...(path.length ? { path } : {}), extensions }] }),
    },
  };
}

function hasErrors(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { errors?: unknown[] };
    return Array.isArray(parsed.errors) && parsed.errors.length > 0;
  } catch {
    return true;
  }
}

/**
 * What a stored answer is sealed for: its column and its row (caller, key, request, status), so
 * it opens only where and as it was stored.
 */
export function idempotentAnswerContext(
  subgraph: string,
  row: { subject: string; key: string; requestHash: string; status: number },
): string {
  return `${subgraph}.idempotency_keys.response_body:${JSON.stringify([row.subject, row.key, row.requestHash, row.status])}`;
}

/**
 * Only what the gateway reads back: `data` and `errors` (a top-level `extensions`, which the
 * gateway does not pass on, is not kept).
 */
function storableAnswer(text: string): string {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return JSON.stringify(Object.fromEntries(['errors', 'data'].filter((k) => k in parsed).map((k) => [k, parsed[k]])));
  } catch {
    return text;
  }
}

/** Why a stored answer was not replayed: its key is not configured here, or it was altered. */
type Unreadable = 'sealing-key' | 'altered';

type Outcome =
  | { kind: 'ran'; response: HTTPGraphQLResponse }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'conflict' }
  | { kind: 'unreadable'; cause: Unreadable };

export function idempotentExecution<TContext extends SubgraphContext>(options: IdempotencyOptions) {
  const { dataSource } = options;
  const schema = sqlIdentifier(options.subgraph);
  const retentionSeconds = Math.max(1, Math.round(options.retentionHours * 3600));
  const unreplayable = new Set(options.unreplayable ?? []);
  const { box } = options;
  const contextOf = (keyed: KeyedRequest, status: number) =>
    idempotentAnswerContext(options.subgraph, { ...keyed, status });

  /** The stored answer's text; a plain one was stored before answers were sealed (read during the rollout). */
  function openAnswer(keyed: KeyedRequest, stored: StoredAnswer): string | Unreadable {
    const value = stored.response_body;
    if (!box.isSealed(value)) {
      try {
        const parsed: unknown = JSON.parse(value);
        return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? value : 'altered';
      } catch {
        return 'altered';
      }
    }
    try {
      return box.open(value, contextOf(keyed, stored.response_status));
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      return error.reason === 'unknown-key' ? 'sealing-key' : 'altered';
    }
  }

  function keyedRequestOf(req: IncomingMessage, body: unknown, context: TContext): KeyedRequest | null {
    const given = headerOf(req, Headers.IDEMPOTENCY_KEY);
    if (given === undefined) return null;
    const problem = idempotencyKeyProblem(given);
    if (problem) throw HttpError.from(badUserInput(problem, 'Idempotency-Key'), 400);
    const key = given as string;
    const mutation = mutationOf(body);
    // Queries change nothing: a key on one is ignored (the gateway does not pass it on anyway).
    if (!mutation) return null;
    const subject = idempotencySubjectOf(context.principal);
    if (!subject) return null;
    const roots = rootFieldsOf(mutation.operation);
    const secret = roots.find((field) => unreplayable.has(field.name.value));
    if (secret) {
      throw HttpError.from(
        badUserInput(
          `Idempotency-Key is not accepted on ${secret.name.value}: its answer holds a secret that is shown only once`,
          'Idempotency-Key',
        ),
        400,
      );
    }
    const operationName = typeof mutation.body.operationName === 'string' ? mutation.body.operationName : null;
    const requestHash = operationFingerprint(mutation.query, operationName, mutation.body.variables);
    const fingerprint = headerOf(req, Headers.IDEMPOTENCY_FINGERPRINT);
    return {
      key,
      subject,
      requestHash,
      // Called without the gateway (a service), the subgraph request is the client's operation.
      fingerprint: isFingerprint(fingerprint) ? fingerprint : requestHash,
      rootKeys: roots.map((field) => field.alias?.value ?? field.name.value),
    };
  }

  async function runKeyed(keyed: KeyedRequest, run: () => Promise<HTTPGraphQLResponse>): Promise<Outcome> {
    return requestTransaction.run(dataSource, async () => {
      const query = (sql: string, params: unknown[]) => dataSource.query(sql, params) as Promise<StoredAnswer[]>;
      await query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `${schema}.idempotency:${keyed.subject}:${keyed.key}`,
      ]);
      const live = await query(
        `SELECT request_hash, fingerprint, response_status, response_body FROM ${schema}.idempotency_keys
          WHERE subject = $1 AND key = $2 AND created_at > now() - make_interval(secs => $3)`,
        [keyed.subject, keyed.key, retentionSeconds],
      );
      if (live.some((row) => row.fingerprint !== keyed.fingerprint)) return { kind: 'conflict' };
      const stored = live.find((row) => row.request_hash === keyed.requestHash);
      if (stored) {
        const body = openAnswer(keyed, stored);
        if (body === 'sealing-key' || body === 'altered') return { kind: 'unreadable', cause: body };
        return { kind: 'replay', status: stored.response_status, body };
      }
      // Past its retention (not purged yet) the key is new again.
      await query(
        `DELETE FROM ${schema}.idempotency_keys
          WHERE subject = $1 AND key = $2 AND created_at <= now() - make_interval(secs => $3)`,
        [keyed.subject, keyed.key, retentionSeconds],
      );
      const response = await run();
      if (response.body.kind !== 'complete') return { kind: 'ran', response };
      const text = response.body.string;
      // Nothing committed and errors: the mutation failed and rolled back; a retry runs again.
      if (requestTransaction.completedUnits(dataSource) === 0 && hasErrors(text)) return { kind: 'ran', response };
      const status = response.status ?? 200;
      await query(
        `INSERT INTO ${schema}.idempotency_keys (subject, key, request_hash, fingerprint, response_status, response_body)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          keyed.subject,
          keyed.key,
          keyed.requestHash,
          keyed.fingerprint,
          status,
          box.seal(storableAnswer(text), contextOf(keyed, status)),
        ],
      );
      return { kind: 'ran', response };
    });
  }

  return async (
    run: () => Promise<HTTPGraphQLResponse>,
    request: { req: IncomingMessage; body: unknown; context: TContext },
  ): Promise<HTTPGraphQLResponse> => {
    const keyed = keyedRequestOf(request.req, request.body, request.context);
    if (!keyed) return run();
    let outcome: Outcome;
    try {
      outcome = await runKeyed(keyed, run);
    } catch (error) {
      // The transaction did not commit (deadline, database): nothing was applied, the key is free.
      const reason =
        error instanceof DeadlineExceededError || isStatementTimeout(error)
          ? 'deadline'
          : isDatabaseUnavailable(error)
            ? 'database'
            : null;
      if (!reason) throw error;
      options.logger?.warn({ err: error, subgraph: options.subgraph, reason }, 'keyed mutation not committed');
      // Rolled back, or (a connection lost during COMMIT) not known to have committed; the key
      // was stored with the change if it did, so a retry with it is safe either way.
      return errorAnswer(
        keyed,
        `The mutation was not confirmed (${reason}); retrying with the same Idempotency-Key is safe`,
        { code: 'SERVICE_UNAVAILABLE', reason, retryAfter: 1, retrySafe: true },
      );
    }
    switch (outcome.kind) {
      case 'ran':
        options.onCommit?.();
        return outcome.response;
      case 'conflict':
        return errorAnswer(
          keyed,
          'This Idempotency-Key was used for a different operation or variables; use a new key for a new request',
          { code: 'CONFLICT', field: 'Idempotency-Key' },
        );
      case 'unreadable':
        // Logged without the value: the key and caller are enough to find the row.
        options.logger?.error(
          { subgraph: options.subgraph, subject: keyed.subject, idempotencyKey: keyed.key, cause: outcome.cause },
          'stored idempotent answer does not open; answered with an error, the mutation was not run again',
        );
        return outcome.cause === 'sealing-key'
          ? errorAnswer(
              keyed,
              'The mutation under this Idempotency-Key was applied, but its stored answer is sealed with a key this service does not hold (a key rotation under way); it is not run again. Retry with the same key later',
              {
                code: 'SERVICE_UNAVAILABLE',
                reason: 'sealing-key',
                retryAfter: 5,
                retrySafe: true,
                outcome: 'APPLIED',
              },
            )
          : errorAnswer(
              keyed,
              'The mutation under this Idempotency-Key was applied, but its stored answer cannot be read (it was altered); it is not run again. Read the result instead, and use a new key only for a new change',
              { code: 'CONFLICT', field: 'Idempotency-Key', reason: 'ANSWER_UNREADABLE', outcome: 'APPLIED' },
            );
      case 'replay':
        return {
          status: outcome.status,
          headers: jsonHeaders({ [IDEMPOTENT_REPLAY_HEADER]: 'true' }),
          body: { kind: 'complete', string: outcome.body },
        };
    }
  };
}

/** Deletes keys past their retention; `true` when this replica ran it (the others skip). */
export async function purgeExpiredIdempotencyKeys(
  dataSource: DataSource,
  subgraph: string,
  retentionHours: number,
): Promise<number | null> {
  const schema = sqlIdentifier(subgraph);
  return requestTransaction.detached(() =>
    requestTransaction.run(dataSource, async () => {
      const [lock] = (await dataSource.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`, [
        `${schema}.idempotency-purge`,
      ])) as { locked: boolean }[];
      if (!lock?.locked) return null;
      const rows = (await dataSource.query(
        `WITH purged AS (
           DELETE FROM ${schema}.idempotency_keys WHERE created_at <= now() - make_interval(secs => $1) RETURNING 1)
         SELECT count(*)::int AS n FROM purged`,
        [Math.max(1, Math.round(retentionHours * 3600))],
      )) as { n: number }[];
      return rows[0]?.n ?? 0;
    }),
  );
}
