import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import { getNamedType, isObjectType, type GraphQLFieldResolver, type GraphQLResolveInfo } from 'graphql';
import type { DataSource, QueryRunner } from 'typeorm';
import type { Principal } from '../auth/principal';
import { foreignKeyError, isCodedError } from '../errors';
import type { GraphQLResolverMap } from '../graphql/resolvers';
import type { Logger } from '../logger';
import { requestTransaction } from '../db/request-transaction';
import type { SubgraphContext } from '../server/subgraph-server';
import { CAPTURE_SETTING } from './capture-sql';
import {
  authEventPayload,
  writeOutbox,
  type AuditEntryPayload,
  type AuthEventInput,
  type AuthEventPayload,
  type OutboxMessage,
  type Queryable,
} from './outbox';

/**
 * Every public mutation of a subgraph leaves exactly one audit entry, written to the
 * subgraph's outbox in the same transaction as the change (issue #4). `auditMutations` wraps
 * the Mutation resolvers (defineSubgraph does it for every subgraph): each runs in a request
 * transaction with change capture on; before commit the captured rows become the entry's
 * before/after. A mutation that fails rolls back and still leaves one entry, with status
 * `failure` and the error code. Internal `_`-prefixed mutations (service-to-service deliveries
 * such as `_recordAuditEntries`) are not audited: they are the trail's own plumbing.
 */

/**
 * Runs bulk work (a retention prune, an import) inside an audited change without capturing its
 * rows one by one: the entry describes it instead (`describeAuditEntry`). Capture is restored
 * afterwards, so the change's other rows are still captured; a rollback restores it too.
 */
export async function withoutChangeCapture<T>(tx: Queryable, work: () => Promise<T>): Promise<T> {
  const rows = (await tx.query(`SELECT current_setting('${CAPTURE_SETTING}', true) AS mode`)) as {
    mode: string | null;
  }[];
  await tx.query(`SELECT set_config('${CAPTURE_SETTING}', 'off', true)`);
  const result = await work();
  await tx.query(`SELECT set_config('${CAPTURE_SETTING}', $1, true)`, [rows[0]?.mode ?? '']);
  return result;
}

/** How a changed table names the resource in the trail: its GraphQL type, and the column holding its id. */
export interface AuditedResource {
  type: string;
  /** Default `id`. For link tables, the parent's key (e.g. `alert_id`). */
  idColumn?: string;
}
export type AuditResourceMap = Record<string, string | AuditedResource>;

export interface MutationAuditOptions {
  /** The subgraph, also its Postgres schema and the entries' `source`. */
  subgraph: string;
  dataSource: DataSource;
  resources?: AuditResourceMap;
  /** Called after outbox rows were committed (the relay delivers at once instead of at its next poll). */
  onOutboxWrite?: () => void;
  logger?: Logger;
}

/** What a service may add to the running mutation's entry. */
export interface AuditAnnotation {
  /** Who acted, when the principal does not say (a login acts as the user logging in). */
  actor?: string;
  resourceType?: string;
  resourceId?: string | null;
  details?: Record<string, unknown>;
}

interface MutationState {
  dataSource: DataSource;
  subgraph: string;
  annotation: AuditAnnotation;
  authEvents: AuthEventPayload[];
}

const storage = new AsyncLocalStorage<MutationState>();

/** Adds to the audit entry of the mutation running now; does nothing outside one. */
export function describeAuditEntry(annotation: AuditAnnotation): void {
  const state = storage.getStore();
  if (!state) return;
  state.annotation = {
    ...state.annotation,
    ...annotation,
    details: { ...state.annotation.details, ...annotation.details },
  };
}

function schemaOf(dataSource: DataSource): string {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (!schema) throw new Error('audit outbox: the DataSource has no schema');
  return schema;
}

/**
 * Records an auth event durably. Inside a mutation it joins the mutation's outbox write and
 * is kept even when the mutation fails (a failed login is the event); elsewhere it is written
 * to the outbox at once.
 */
export async function recordAuthEvent(dataSource: DataSource, event: AuthEventInput): Promise<void> {
  const schema = schemaOf(dataSource);
  const state = storage.getStore();
  const payload = authEventPayload(event, schema);
  if (state && state.dataSource === dataSource) {
    state.authEvents.push(payload);
    return;
  }
  await writeOutbox(dataSource, schema, [{ kind: 'AUTH_EVENT', payload }]);
}

interface CapturedChange {
  table_name: string;
  operation: 'I' | 'U' | 'D';
  row_data: Record<string, unknown>;
  old_values: Record<string, unknown> | null;
  new_values: Record<string, unknown> | null;
}

/** What the audit subgraph accepts per JSON field is 64 KiB; stay well below, whole. */
const MAX_CHANGE_BYTES = 32 * 1024;

function bounded(value: unknown, rows: number): unknown {
  if (value === null || value === undefined) return null;
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  return bytes <= MAX_CHANGE_BYTES ? value : { truncated: true, bytes, rows };
}

/** Inserted and deleted rows show their set fields; an update only the fields it changed (the trigger's diff). */
function setFields(values: Record<string, unknown> | null): Record<string, unknown> | null {
  return values && Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null));
}

/** One row: its fields. Several: per table, each row's fields (with its id, so rows can be told apart). */
function beforeAndAfter(changes: readonly CapturedChange[]): { before: unknown; after: unknown } {
  const rows = changes.map((change) => ({
    change,
    before: change.operation === 'D' ? setFields(change.old_values) : change.old_values,
    after: change.operation === 'I' ? setFields(change.new_values) : change.new_values,
  }));
  if (rows.length === 0) return { before: null, after: null };
  const [only] = rows;
  if (rows.length === 1 && only) return { before: only.before, after: only.after };
  const before: Record<string, unknown[]> = {};
  const after: Record<string, unknown[]> = {};
  for (const row of rows) {
    const id = row.change.row_data.id;
    const withId = (values: Record<string, unknown> | null) =>
      values && id !== undefined && !('id' in values) ? { id, ...values } : values;
    (before[row.change.table_name] ??= []).push(withId(row.before));
    (after[row.change.table_name] ??= []).push(withId(row.after));
  }
  return { before, after };
}

export interface Resource {
  type: string;
  id: string | null;
}

const idOf = (value: unknown): string | null =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? String(value) : null;

/** The resource a mutation changed: the row of the type it returns if there is one, else the first audited row. */
function changedResource(
  changes: readonly CapturedChange[],
  resources: AuditResourceMap,
  returnedType: string | null,
): Resource | null {
  const mapped = changes.flatMap((change) => {
    const spec = resources[change.table_name];
    if (!spec) return [];
    const { type, idColumn } = typeof spec === 'string' ? { type: spec, idColumn: undefined } : spec;
    return [{ type, id: idOf(change.row_data[idColumn ?? 'id']) }];
  });
  const chosen = mapped.find((r) => r.type === returnedType) ?? mapped[0];
  if (chosen) return chosen;
  const [first] = changes;
  return first ? { type: first.table_name, id: idOf(first.row_data.id) } : null;
}

/** Without captured rows (a failure, or nothing changed): the returned type, else the field name without its verb. */
function declaredResource(info: GraphQLResolveInfo, args: Record<string, unknown>, result: unknown): Resource {
  const named = getNamedType(info.returnType);
  const input = args.input as Record<string, unknown> | undefined;
  const id = idOf((result as { id?: unknown } | null | undefined)?.id) ?? idOf(args.id) ?? idOf(input?.id) ?? null;
  if (isObjectType(named) && !named.name.endsWith('Payload')) {
    return { type: named.name, id };
  }
  const noun = info.fieldName.replace(/^[a-z]+/, '');
  return { type: noun || info.fieldName, id };
}

function actorOf(principal: Principal): string {
  return principal.username ?? (principal.kind === 'anonymous' ? 'anonymous' : principal.kind);
}

function errorSummary(error: unknown): { code: string; message?: string } {
  if (isCodedError(error)) return { code: String(error.extensions.code), message: error.message };
  return { code: 'INTERNAL_SERVER_ERROR' };
}

/** What an entry says besides the captured rows: who did what, from where. */
export interface ChangeFacts {
  action: string;
  principal: Principal;
  requestId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  operationName: string | null;
  /** The GraphQL type the change returns, preferred among captured rows. */
  returnedType: string | null;
  /** The resource when no captured row names one (a failure, or nothing changed). */
  declared: (result: unknown) => Resource;
  /** The mutation's arguments: a foreign-key violation's error names the one it is about. */
  args?: Record<string, unknown>;
}

function auditEntry(
  facts: ChangeFacts,
  state: MutationState,
  occurredAt: Date,
  outcome:
    { status: 'success'; result: unknown; changes: readonly CapturedChange[] } | { status: 'failure'; error: unknown },
  resources: AuditResourceMap,
): AuditEntryPayload {
  const changes = outcome.status === 'success' ? outcome.changes : [];
  const resource =
    changedResource(changes, resources, facts.returnedType) ??
    facts.declared(outcome.status === 'success' ? outcome.result : null);
  const { before, after } = beforeAndAfter(changes);
  const { principal } = facts;
  const resourceId = state.annotation.resourceId !== undefined ? state.annotation.resourceId : resource.id;
  return {
    id: randomUUID(),
    occurredAt: occurredAt.toISOString(),
    // Within what audit accepts whatever the request named (an empty or huge username, a long id):
    // an entry audit refused would sit in the outbox forever, and the attempt be off the record.
    actor: fit(state.annotation.actor, ENTRY_LIMITS.actor) ?? fit(actorOf(principal), ENTRY_LIMITS.actor) ?? 'unknown',
    action: facts.action,
    resourceType: fit(state.annotation.resourceType ?? resource.type, ENTRY_LIMITS.resourceType) ?? 'Unknown',
    resourceId: fit(resourceId, ENTRY_LIMITS.resourceId),
    status: outcome.status,
    before: bounded(before, changes.length),
    after: bounded(after, changes.length),
    details: {
      operationName: facts.operationName,
      role: principal.role,
      ...(principal.apiKeyId ? { apiKeyId: principal.apiKeyId, clientName: principal.clientName } : {}),
      rowsChanged: changes.length,
      ...(outcome.status === 'failure' ? { error: errorSummary(outcome.error) } : {}),
      ...state.annotation.details,
    },
    ipAddress: facts.clientIp,
    userAgent: fit(facts.userAgent, ENTRY_LIMITS.userAgent),
    requestId: fit(facts.requestId, ENTRY_LIMITS.requestId),
    source: state.subgraph,
  };
}

/** The lengths audit's `_recordAuditEntries` accepts (subgraphs/audit audit-entry.service.ts). */
const ENTRY_LIMITS = { actor: 100, resourceType: 50, resourceId: 255, userAgent: 1000, requestId: 64 } as const;

/** Trimmed and cut to `max`, or null when nothing is left. */
function fit(value: string | null | undefined, max: number): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, max).trim() : null;
}

async function takeCapturedChanges(runner: QueryRunner, schema: string): Promise<CapturedChange[]> {
  // In a CTE: TypeORM returns a bare DELETE ... RETURNING as [rows, count].
  return (await runner.query(
    `WITH taken AS (
       DELETE FROM ${schema}.audit_capture WHERE txid = txid_current()
       RETURNING seq, table_name, operation, row_data, old_values, new_values)
     SELECT table_name, operation, row_data, old_values, new_values FROM taken ORDER BY seq`,
  )) as CapturedChange[];
}

/**
 * Runs one change (a mutation, or a background job's run) in a request transaction with
 * change capture on, and writes its one audit entry: in the same transaction when it commits,
 * on its own after the rollback when it fails. A run started inside another joins it: the
 * outermost change is the one entry, with every row changed inside it.
 */
export async function runAudited<T>(
  options: MutationAuditOptions,
  facts: ChangeFacts,
  work: () => Promise<T>,
): Promise<T> {
  const { dataSource, subgraph } = options;
  const outer = storage.getStore();
  if (outer?.dataSource === dataSource && requestTransaction.runnerFor(dataSource)) return work();
  const resources = options.resources ?? {};
  const state: MutationState = { dataSource, subgraph, annotation: {}, authEvents: [] };
  const occurredAt = new Date();
  const authMessages = (): OutboxMessage[] =>
    state.authEvents.map((payload) => ({ kind: 'AUTH_EVENT' as const, payload }));
  try {
    const result = await storage.run(state, () =>
      requestTransaction.run(dataSource, work, {
        begin: async (runner) => {
          await runner.query(`SELECT set_config('${CAPTURE_SETTING}', 'on', true)`);
        },
        beforeCommit: async (runner, value) => {
          const changes = await takeCapturedChanges(runner, subgraph);
          const entry = auditEntry(facts, state, occurredAt, { status: 'success', result: value, changes }, resources);
          await writeOutbox(runner, subgraph, [{ kind: 'AUDIT_ENTRY', payload: entry }, ...authMessages()]);
        },
      }),
    );
    options.onOutboxWrite?.();
    return result;
  } catch (thrown) {
    // The change rolled back: a foreign-key violation is a coded error (the caller's user gone,
    // or input naming a row that is not there), on the record and to the caller alike.
    const coded = foreignKeyError(thrown, { actorUserId: facts.principal.userId, args: facts.args });
    if (coded) {
      options.logger?.warn(
        { err: thrown, action: facts.action, code: coded.extensions.code },
        'foreign-key violation answered with a coded error',
      );
    }
    const error = coded ?? thrown;
    // The change rolled back; the attempt is still on the record (and a failed login's auth event with it).
    const entry = auditEntry(facts, state, occurredAt, { status: 'failure', error }, resources);
    try {
      await writeOutbox(dataSource, subgraph, [{ kind: 'AUDIT_ENTRY', payload: entry }, ...authMessages()]);
      options.onOutboxWrite?.();
    } catch (outboxError) {
      options.logger?.error(
        { err: outboxError, action: facts.action },
        'could not record a failed change in the audit outbox',
      );
    }
    throw error;
  }
}

/**
 * A failed mutation rolled back, but its request's DataLoaders may still hold rows they read
 * inside that transaction; later fields of the same operation must not see them. Loaders sit on
 * the context or in plain objects below it (`context.loaders.*`, `context.socConfig.loaders.*`);
 * class instances (services) are not searched.
 */
function forgetLoadedRows(holder: object, depth = 0): void {
  for (const value of Object.values(holder)) {
    if (value instanceof DataLoader) value.clearAll();
    else if (depth < 3 && value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      forgetLoadedRows(value as object, depth + 1);
    }
  }
}

function audited<TContext extends SubgraphContext>(
  field: string,
  resolve: GraphQLFieldResolver<unknown, TContext>,
  options: MutationAuditOptions,
): GraphQLFieldResolver<unknown, TContext> {
  return async (parent, args: Record<string, unknown>, context, info) => {
    try {
      return await runAudited(
        options,
        {
          action: field,
          principal: context.principal,
          requestId: context.requestId,
          clientIp: context.clientIp,
          userAgent: context.userAgent,
          // The gateway names its fetches `<Operation>__<subgraph>__<n>`; the trail shows the client's name.
          operationName: info.operation.name?.value.replace(/__[a-z0-9_]+__\d+$/, '') ?? null,
          returnedType: getNamedType(info.returnType).name,
          declared: (result) => declaredResource(info, args, result),
          args,
        },
        async () => (await resolve(parent, args, context, info)) as unknown,
      );
    } catch (error) {
      forgetLoadedRows(context);
      throw error;
    }
  };
}

/** The subgraph's resolvers with every public Mutation field audited (see above). */
export function auditMutations<TContext extends SubgraphContext>(
  resolvers: GraphQLResolverMap<TContext>,
  options: MutationAuditOptions,
): GraphQLResolverMap<TContext> {
  const mutation = resolvers.Mutation as Record<string, unknown> | undefined;
  if (!mutation) return resolvers;
  const wrapped: Record<string, unknown> = {};
  for (const [field, resolver] of Object.entries(mutation)) {
    wrapped[field] =
      field.startsWith('_') || typeof resolver !== 'function'
        ? resolver
        : audited(field, resolver as GraphQLFieldResolver<unknown, TContext>, options);
  }
  return { ...resolvers, Mutation: wrapped } as GraphQLResolverMap<TContext>;
}
