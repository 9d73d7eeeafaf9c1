import {
  badUserInput,
  canSeeCustomer,
  conflict,
  forbidden,
  isUniqueViolation,
  orNotFound,
  parseIntId,
  requireAdmin,
  requireRole,
  Roles,
  type KeysetColumn,
  type Principal,
  type TextRule,
} from '@socgraph/shared';
import type { DataSource, EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';

/**
 * The rules every platform-configuration service shares. Configuration is read by the roles
 * that run the SOC (admin, analyst, and background work as scheduler) and changed by admins
 * only; customer users and auditors get FORBIDDEN for the role, never a partial view.
 */
const CONFIG_READERS = [Roles.ADMIN, Roles.ANALYST, Roles.SCHEDULER];

export function requireConfigReader(p: Principal): void {
  requireRole(p, ...CONFIG_READERS);
}

export function requireConfigWriter(p: Principal): void {
  requireAdmin(p);
}

/** Same shape as customer codes everywhere else in incidents (identity's key). */
export const CUSTOMER_CODE_RULE: TextRule = {
  max: 50,
  pattern: /^[A-Za-z0-9_-]+$/,
  patternHint: 'may hold letters, digits, - and _ only',
};

/** Customer-scoped writes: the target customer must be in the writer's scope. */
export function requireCustomerInScope(p: Principal, customerCode: string): void {
  if (!canSeeCustomer(p, customerCode)) throw forbidden(`Customer ${customerCode} is outside your scope`);
}

/** A JSON object column: bounded in size so one row cannot grow without limit. */
export function jsonObject(
  value: Record<string, unknown> | null | undefined,
  field: string,
  maxChars = 100_000,
): Record<string, unknown> {
  const object = value ?? {};
  if (JSON.stringify(object).length > maxChars) throw badUserInput(`${field} is too large`, field);
  return object;
}

/** A list input bounded in length, so one request cannot write without limit. */
export function boundedList<T>(items: readonly T[] | null | undefined, field: string, max: number): readonly T[] {
  const list = items ?? [];
  if (list.length > max) throw badUserInput(`${field} may hold at most ${max} items`, field);
  return list;
}

/** Keyset columns written against entity properties, qualified for a query builder alias. */
export function qualified<T>(alias: string, order: readonly KeysetColumn<T>[]): KeysetColumn<T>[] {
  return order.map((col) => ({ ...col, column: `${alias}.${col.column}` }));
}

/**
 * Every configuration write runs in one transaction; a unique violation (a duplicate, or a
 * concurrent writer that won the race) surfaces as CONFLICT with `duplicateMessage`.
 */
export async function writeTransaction<R>(
  dataSource: DataSource,
  duplicateMessage: string,
  work: (tx: EntityManager) => Promise<R>,
): Promise<R> {
  try {
    return await dataSource.transaction(work);
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(duplicateMessage);
    throw error;
  }
}

/**
 * For mutations: reads the row by its GraphQL id and locks it until the transaction ends, so
 * the check and the write see one state. Absent, malformed or invisible (`visible` says false)
 * is NOT_FOUND, never a FORBIDDEN that leaks the row exists.
 */
export async function lockVisible<T extends ObjectLiteral & { id: number }>(
  tx: EntityManager,
  entity: EntitySchema<T>,
  id: string,
  resource: string,
  visible: (row: T) => boolean = () => true,
): Promise<T> {
  const n = parseIntId(id);
  const row =
    n === null
      ? null
      : await tx
          .getRepository(entity)
          .createQueryBuilder('row')
          .where('row.id = :id', { id: n })
          .setLock('pessimistic_write')
          .getOne();
  return orNotFound(row && visible(row) ? row : null, resource, id);
}
