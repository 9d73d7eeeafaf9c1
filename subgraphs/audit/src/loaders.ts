import {
  decodeCursor,
  nestedPages,
  pageSize,
  rowLoader,
  type Connection,
  type ConnectionArgs,
  type SqlCondition,
} from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import { AuditEntryEntity, AuthEventEntity, type AuditEntryRow, type AuthEventRow } from './entities';

/** Both audit chains page newest first by their position in the chain, as the Query lists do. */
const BY_SEQ_DESC = [{ column: 'seq', direction: 'DESC', value: (row: { seq: string }) => row.seq }] as const;

/** One nested page: whose list (`parent`), which page, and the service's filter as SQL. */
export interface NestedPageRequest {
  parent: string;
  args: ConnectionArgs;
  where: SqlCondition;
}

/**
 * The paging arguments, checked now: a bad `first` or cursor is that field's BAD_USER_INPUT,
 * not the failure of a batch shared with every other parent.
 */
export function checkedPageArgs(args: ConnectionArgs): ConnectionArgs {
  const first = pageSize(args.first);
  if (args.after) decodeCursor(args.after, BY_SEQ_DESC.length);
  return { first, after: args.after ?? null };
}

interface LoadedPage<T> {
  key: string;
  page: Connection<T>;
}

// Keys are strings, the request as JSON: shared's rowLoader takes no objects (and audit does not
// depend on dataloader itself). Dates in the filter's parameters come back as ISO strings, which
// Postgres reads as the same instants.
const keyOf = (request: NestedPageRequest): string => JSON.stringify([request.args, request.where, request.parent]);

/**
 * A loader of nested pages: requests with equal paging and filter are one `nestedPages` call,
 * so a page under each of 50 users costs what a page under 5 does.
 */
function nestedPageLoader<T>(
  load: (parents: string[], args: ConnectionArgs, where: SqlCondition) => Promise<Map<string, Connection<T>>>,
) {
  return rowLoader<string, LoadedPage<T>>(
    async (keys) => {
      const groups = new Map<string, { args: ConnectionArgs; where: SqlCondition; parents: Map<string, string> }>();
      for (const key of keys) {
        const [args, where, parent] = JSON.parse(key) as [ConnectionArgs, SqlCondition, string];
        const signature = JSON.stringify([args, where]);
        const group = groups.get(signature) ?? { args, where, parents: new Map<string, string>() };
        group.parents.set(parent, key);
        groups.set(signature, group);
      }
      const loaded: LoadedPage<T>[] = [];
      for (const { args, where, parents } of groups.values()) {
        const pages = await load([...parents.keys()], args, where);
        for (const [parent, key] of parents) {
          const page = pages.get(parent);
          if (page) loaded.push({ key, page });
        }
      }
      return loaded;
    },
    (row) => row.key,
  );
}

type NestedPageLoader<T> = ReturnType<typeof nestedPageLoader<T>>;

export async function loadPage<T>(loader: NestedPageLoader<T>, request: NestedPageRequest): Promise<Connection<T>> {
  const loaded = await loader.load(keyOf(request));
  // nestedPages answers every parent it is given, with an empty page when it has no rows.
  if (!loaded) throw new Error(`no page loaded for ${request.parent}`);
  return loaded.page;
}

/**
 * Per-request DataLoaders. No access policy here: the audit domain is all-or-nothing by role,
 * and the services check the role before they load.
 */
export function createAuditLoaders(dataSource: DataSource) {
  return {
    /** User.authEvents for many users in one statement. */
    authEventsByUserId: nestedPageLoader<AuthEventRow>((userIds, args, where) =>
      nestedPages(userIds, {
        dataSource,
        entity: AuthEventEntity,
        table: 'audit.auth_audit_log',
        alias: 'e',
        parentColumn: 'user_id',
        where,
        order: BY_SEQ_DESC,
        args,
      }),
    ),
    /** User.auditEntries (by actor) for many users in one statement. */
    auditEntriesByActor: nestedPageLoader<AuditEntryRow>((actors, args, where) =>
      nestedPages(actors, {
        dataSource,
        entity: AuditEntryEntity,
        table: 'audit.audit_logs',
        alias: 'a',
        parentColumn: 'actor',
        where,
        order: BY_SEQ_DESC,
        args,
      }),
    ),
  };
}
export type AuditLoaders = ReturnType<typeof createAuditLoaders>;
