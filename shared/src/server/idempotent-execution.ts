import type { IncomingMessage } from 'node:http';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { DataSource } from 'typeorm';
import { Headers } from '../auth/tokens';
import { sqlIdentifier } from '../audit/capture-sql';
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
 */

export interface IdempotencyOptions {
  /** The subgraph, also its Postgres schema. */
  subgraph: string;
  dataSource: DataSource;
  /** How long a key answers the first outcome (IDEMPOTENCY_KEY_RETENTION_HOURS). */
  retentionHours: number;
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

type Outcome =
  { kind: 'ran'; response: HTTPGraphQLResponse } | { kind: 'replay'; stored: StoredAnswer } | { kind: 'conflict' };

export function idempotentExecution<TContext extends SubgraphContext>(options: IdempotencyOptions) {
  const { dataSource } = options;
  const schema = sqlIdentifier(options.subgraph);
  const retentionSeconds = Math.max(1, Math.round(options.retentionHours * 3600));
  const unreplayable = new Set(options.unreplayable ?? []);

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
      if (stored) return { kind: 'replay', stored };
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
      await query(
        `INSERT INTO ${schema}.idempotency_keys (subject, key, request_hash, fingerprint, response_status, response_body)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [keyed.subject, keyed.key, keyed.requestHash, keyed.fingerprint, response.status ?? 200, text],
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
      case 'replay':
        return {
          status: outcome.stored.response_status,
          headers: jsonHeaders({ [IDEMPOTENT_REPLAY_HEADER]: 'true' }),
          body: { kind: 'complete', string: outcome.stored.response_body },
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
