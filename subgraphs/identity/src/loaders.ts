import { groupLoader, nestedPages, rowLoader, runNamed, type Connection, type ConnectionArgs } from '@socgraph/shared';
import { In, type DataSource } from 'typeorm';
import {
  ApiKeyEntity,
  MandateAuditEntity,
  PaymentEntity,
  TransactionAuditEntity,
  TransactionEntity,
  type TransactionRow,
  type UsageMetricRow,
  CustomerEntity,
  MandateEntity,
  RoleEntity,
  RoleTagAccessEntity,
  UserEntity,
  UserTagAccessEntity,
  type CustomerRow,
} from './entities';

/** Per-request DataLoaders: every relation and entity reference of identity is batched here. */
export function createIdentityLoaders(dataSource: DataSource) {
  const users = dataSource.getRepository(UserEntity);
  const roles = dataSource.getRepository(RoleEntity);
  const customers = dataSource.getRepository(CustomerEntity);

  return {
    userById: rowLoader(
      (ids: readonly number[]) => users.findBy({ id: In([...ids]) }),
      (u) => u.id,
    ),
    /** Keys are lower-cased usernames (usernames are unique regardless of case). */
    userByUsername: rowLoader(
      (names: readonly string[]) =>
        users
          .createQueryBuilder('u')
          .where('lower(u.username) = ANY(:names)', { names: [...names] })
          .getMany(),
      (u) => u.username.toLowerCase(),
    ),
    roleById: rowLoader(
      (ids: readonly number[]) => roles.findBy({ id: In([...ids]) }),
      (r) => r.id,
    ),
    customerByCode: rowLoader(
      (codes: readonly string[]) => customers.findBy({ code: In([...codes]) }),
      (c) => c.code,
    ),
    /** A user's customers, through user_customer_access, in one join per batch. */
    customersByUserId: groupLoader(
      async (userIds: readonly number[]) =>
        (await dataSource.query(
          `SELECT a.user_id, c.id, c.customer_code, c.parent_customer_code, c.customer_name,
                  c.contact_name, c.phone, c.address, c.created_at
             FROM identity.user_customer_access a
             JOIN identity.customers c ON c.customer_code = a.customer_code
            WHERE a.user_id = ANY($1)
            ORDER BY c.customer_code`,
          [[...userIds]],
        )) as (RawCustomer & { user_id: number })[],
      (row) => row.user_id,
    ),
    tagIdsByUserId: groupLoader(
      (userIds: readonly number[]) =>
        dataSource
          .getRepository(UserTagAccessEntity)
          .find({ where: { userId: In([...userIds]) }, order: { tagId: 'ASC' } }),
      (row) => row.userId,
    ),
    tagIdsByRoleId: groupLoader(
      (roleIds: readonly number[]) =>
        dataSource
          .getRepository(RoleTagAccessEntity)
          .find({ where: { roleId: In([...roleIds]) }, order: { tagId: 'ASC' } }),
      (row) => row.roleId,
    ),
    mandatesByUserId: groupLoader(
      (userIds: readonly number[]) =>
        dataSource
          .getRepository(MandateEntity)
          .find({ where: { userId: In([...userIds]) }, order: { createdAt: 'DESC' } }),
      (row) => row.userId,
    ),
    /** User.transactions under many users: one statement per distinct page request. */
    transactionPages: pageLoader<TransactionRow>((userIds, args) =>
      nestedPages(userIds, {
        dataSource,
        entity: TransactionEntity,
        table: 'identity.transactions',
        alias: 't',
        parentColumn: 'user_id',
        where: { sql: 'TRUE', params: {} },
        order: [
          { column: 'created_at', direction: 'DESC', value: (t) => t.createdAt.toISOString() },
          { column: 'id', direction: 'DESC', value: (t) => t.id },
        ],
        args,
      }),
    ),
    transactionById: rowLoader(
      (ids: readonly string[]) => dataSource.getRepository(TransactionEntity).findBy({ id: In([...ids]) }),
      (t) => t.id,
    ),
    auditTrailByTransactionId: groupLoader(
      (ids: readonly string[]) =>
        dataSource
          .getRepository(TransactionAuditEntity)
          .find({ where: { transactionId: In([...ids]) }, order: { id: 'ASC' } }),
      (row) => row.transactionId,
    ),
    historyByMandateId: groupLoader(
      (ids: readonly string[]) =>
        dataSource.getRepository(MandateAuditEntity).find({ where: { mandateId: In([...ids]) }, order: { id: 'ASC' } }),
      (row) => row.mandateId,
    ),
    paymentBySessionId: rowLoader(
      (ids: readonly string[]) => dataSource.getRepository(PaymentEntity).findBy({ checkoutSessionId: In([...ids]) }),
      (p) => p.checkoutSessionId,
    ),
    /** Keys are JSON [userId, from, to] (YYYY-MM-DD); one statement per distinct range. */
    usageByUserAndRange: groupLoader(
      async (keys: readonly string[]) => {
        const ranges = new Map<string, { from: string; to: string; userIds: number[] }>();
        for (const key of keys) {
          const [userId, from, to] = JSON.parse(key) as [number, string, string];
          const range = ranges.get(`${from}|${to}`) ?? { from, to, userIds: [] };
          range.userIds.push(userId);
          ranges.set(`${from}|${to}`, range);
        }
        const rows: (UsageMetricRow & { key: string })[] = [];
        for (const { from, to, userIds } of ranges.values()) {
          const found = await runNamed<RawUsage>(
            dataSource,
            `SELECT user_id, to_char(day, 'YYYY-MM-DD') AS day, logins, api_requests, agent_executions,
                    credits_spent_cents, updated_at
               FROM identity.usage_metrics
              WHERE user_id = ANY(:userIds) AND day BETWEEN CAST(:from AS date) AND CAST(:to AS date)
              ORDER BY user_id, day`,
            { userIds, from, to },
          );
          rows.push(...found.map((raw) => ({ ...usageFromRaw(raw), key: JSON.stringify([raw.user_id, from, to]) })));
        }
        return rows;
      },
      (row) => row.key,
    ),
    apiKeysByUserId: groupLoader(
      (userIds: readonly number[]) =>
        dataSource
          .getRepository(ApiKeyEntity)
          .find({ where: { userId: In([...userIds]) }, order: { createdAt: 'ASC' } }),
      (row) => row.userId,
    ),
  };
}
export type IdentityLoaders = ReturnType<typeof createIdentityLoaders>;

interface RawUsage {
  user_id: number;
  day: string;
  logins: number;
  api_requests: number;
  agent_executions: number;
  credits_spent_cents: string | number;
  updated_at: Date;
}

const usageFromRaw = (raw: RawUsage): UsageMetricRow => ({
  userId: raw.user_id,
  day: raw.day,
  logins: raw.logins,
  apiRequests: raw.api_requests,
  agentExecutions: raw.agent_executions,
  creditsSpentCents: Number(raw.credits_spent_cents),
  updatedAt: raw.updated_at,
});

/**
 * A loader of nested pages: requests with the same paging are one `nestedPages` call, so a
 * page under each of 50 users costs what a page under 5 does. Keys are JSON [args, parent].
 */
function pageLoader<T>(load: (parents: string[], args: ConnectionArgs) => Promise<Map<string, Connection<T>>>) {
  return rowLoader<string, { key: string; page: Connection<T> }>(
    async (keys) => {
      const groups = new Map<string, { args: ConnectionArgs; parents: Map<string, string> }>();
      for (const key of keys) {
        const [args, parent] = JSON.parse(key) as [ConnectionArgs, string];
        const signature = JSON.stringify(args);
        const group = groups.get(signature) ?? { args, parents: new Map<string, string>() };
        group.parents.set(parent, key);
        groups.set(signature, group);
      }
      const loaded: { key: string; page: Connection<T> }[] = [];
      for (const { args, parents } of groups.values()) {
        const pages = await load([...parents.keys()], args);
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

/** The page of `parent` (nestedPages answers every parent it is given). */
export async function loadPage<T>(
  loader: ReturnType<typeof pageLoader<T>>,
  parent: string | number,
  args: ConnectionArgs,
): Promise<Connection<T>> {
  const key = JSON.stringify([{ first: args.first ?? null, after: args.after ?? null }, String(parent)]);
  const loaded = await loader.load(key);
  if (!loaded) throw new Error(`no page loaded for ${parent}`);
  return loaded.page;
}

/** customers columns as raw SQL returns them. */
export interface RawCustomer {
  id: number;
  customer_code: string;
  parent_customer_code: string | null;
  customer_name: string;
  contact_name: string | null;
  phone: string | null;
  address: string | null;
  created_at: Date;
}

export function customerFromRaw(raw: RawCustomer): CustomerRow {
  return {
    id: raw.id,
    code: raw.customer_code,
    parentCode: raw.parent_customer_code,
    name: raw.customer_name,
    contactName: raw.contact_name,
    phone: raw.phone,
    address: raw.address,
    createdAt: raw.created_at,
  };
}
