import {
  and,
  badUserInput,
  canSeeCustomer,
  customerCondition,
  ConditionBuilder,
  loadByIntId,
  optionalText,
  paginate,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
  type SqlCondition,
  type Principal,
} from '@socgraph/shared';
import type { EntityManager } from 'typeorm';
import type { IncidentsContext } from '../../context';
import { SigmaExclusionEntity, type FieldMatchValue, type SigmaExclusionRow } from '../entities';
import {
  CUSTOMER_CODE_RULE,
  jsonObject,
  lockVisible,
  qualified,
  requireConfigReader,
  requireConfigWriter,
  requireCustomerInScope,
  writeTransaction,
} from './common';

export interface SigmaExclusionFilter {
  customerCode?: string | null;
  global?: boolean | null;
  enabled?: boolean | null;
  search?: string | null;
}

export interface CreateSigmaExclusionInput {
  name: string;
  description?: string | null;
  channel?: string | null;
  title?: string | null;
  fieldMatches?: Record<string, unknown> | null;
  customerCode?: string | null;
  enabled?: boolean | null;
}

/** Omitted fields keep their value; null clears the nullable ones. */
export type UpdateSigmaExclusionInput = Partial<Omit<CreateSigmaExclusionInput, 'customerCode'>>;

const DESCRIPTION_MAX = 20_000;
const MAX_FIELD_MATCHES = 100;

/** Newest first; ids follow creation order (created_at has finer precision than a cursor keeps). */
const ORDER = [{ column: 'id', direction: 'DESC', value: (s: SigmaExclusionRow) => s.id }] as const;

/** Exclusions without a customer apply to all customers, so every reader sees them. */
function exclusionVisibility(p: Principal, alias: string): SqlCondition {
  const customer = customerCondition(p, `${alias}.customer_code`);
  if (customer.sql === 'TRUE') return customer;
  return { sql: `(${alias}.customer_code IS NULL OR ${customer.sql})`, params: customer.params };
}

const canSeeExclusion = (p: Principal, row: SigmaExclusionRow): boolean =>
  row.customerCode === null || canSeeCustomer(p, row.customerCode);

const isFieldMatchValue = (value: unknown): value is FieldMatchValue =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** `field → value` pairs a sigma match must all carry to be excluded: scalar values only. */
function fieldMatches(
  value: Record<string, unknown> | null | undefined,
  field: string,
): Record<string, FieldMatchValue> {
  const entries = Object.entries(jsonObject(value, field));
  if (entries.length > MAX_FIELD_MATCHES)
    throw badUserInput(`${field} may hold at most ${MAX_FIELD_MATCHES} fields`, field);
  // Collected as entries: fromEntries keeps a key such as "__proto__" as plain data.
  const matches: [string, FieldMatchValue][] = [];
  for (const [key, match] of entries) {
    if (key.trim() === '' || key.length > 255) throw badUserInput(`${field} keys must hold 1 to 255 characters`, field);
    if (!isFieldMatchValue(match)) throw badUserInput(`${field}.${key} must be a string, number or boolean`, field);
    matches.push([key, match]);
  }
  return Object.fromEntries(matches);
}

/** Velociraptor sigma exclusions, per customer or global. */
export class SigmaExclusionService extends ScopedService<IncidentsContext> {
  async list(args: ConnectionArgs, filter?: SigmaExclusionFilter | null): Promise<Connection<SigmaExclusionRow>> {
    requireConfigReader(this.principal);
    const condition = and(
      exclusionVisibility(this.principal, 'se'),
      new ConditionBuilder('se')
        .equals('customer_code', filter?.customerCode, 'filter.customerCode', 50)
        // global: the exclusion has no customer.
        .isNull('customer_code', filter?.global)
        .equalsValue('enabled', filter?.enabled)
        .contains(['name'], filter?.search, 'filter.search', 200)
        .build(),
    );
    const query = this.dataSource
      .getRepository(SigmaExclusionEntity)
      .createQueryBuilder('se')
      .where(condition.sql, condition.params);
    return paginate(query, args, qualified('se', ORDER));
  }

  async byId(id: string): Promise<SigmaExclusionRow | null> {
    requireConfigReader(this.principal);
    const row = await loadByIntId(this.scope.socConfig.loaders.sigmaExclusionById, id);
    return row && canSeeExclusion(this.principal, row) ? row : null;
  }

  async create(input: CreateSigmaExclusionInput): Promise<SigmaExclusionRow> {
    requireConfigWriter(this.principal);
    const row = {
      name: text(input.name, 'input.name', { max: 255 }),
      description: optionalText(input.description, 'input.description', { max: DESCRIPTION_MAX }),
      channel: optionalText(input.channel, 'input.channel', { max: 255 }),
      title: optionalText(input.title, 'input.title', { max: 255 }),
      fieldMatches: fieldMatches(input.fieldMatches, 'input.fieldMatches'),
      customerCode: optionalText(input.customerCode, 'input.customerCode', CUSTOMER_CODE_RULE),
      createdBy: this.principal.username ?? 'unknown',
      enabled: input.enabled ?? true,
    };
    if (row.customerCode !== null) requireCustomerInScope(this.principal, row.customerCode);
    return writeTransaction(this.dataSource, 'Sigma exclusion exists', async (tx) => {
      const saved = await tx.getRepository(SigmaExclusionEntity).save(row);
      return tx.getRepository(SigmaExclusionEntity).findOneByOrFail({ id: saved.id });
    });
  }

  async update(id: string, input: UpdateSigmaExclusionInput): Promise<SigmaExclusionRow> {
    requireConfigWriter(this.principal);
    const changes: Partial<SigmaExclusionRow> = {};
    // null on a required column means "keep"; on a nullable one it clears.
    if (input.name != null) changes.name = text(input.name, 'input.name', { max: 255 });
    if (input.description !== undefined)
      changes.description = optionalText(input.description, 'input.description', { max: DESCRIPTION_MAX });
    if (input.channel !== undefined) changes.channel = optionalText(input.channel, 'input.channel', { max: 255 });
    if (input.title !== undefined) changes.title = optionalText(input.title, 'input.title', { max: 255 });
    if (input.fieldMatches != null) changes.fieldMatches = fieldMatches(input.fieldMatches, 'input.fieldMatches');
    if (input.enabled != null) changes.enabled = input.enabled;
    const updated = await writeTransaction(this.dataSource, 'Sigma exclusion changed meanwhile', async (tx) => {
      const row = await this.lock(tx, id);
      if (Object.keys(changes).length) await tx.getRepository(SigmaExclusionEntity).update({ id: row.id }, changes);
      return tx.getRepository(SigmaExclusionEntity).findOneByOrFail({ id: row.id });
    });
    this.scope.socConfig.loaders.sigmaExclusionById.clear(updated.id);
    return updated;
  }

  async delete(id: string): Promise<number> {
    requireConfigWriter(this.principal);
    const deleted = await writeTransaction(this.dataSource, 'Sigma exclusion changed meanwhile', async (tx) => {
      const row = await this.lock(tx, id);
      await tx.getRepository(SigmaExclusionEntity).delete({ id: row.id });
      return row.id;
    });
    this.scope.socConfig.loaders.sigmaExclusionById.clear(deleted);
    return deleted;
  }

  /** A row outside the writer's customers looks exactly like a missing one. */
  private lock(tx: EntityManager, id: string): Promise<SigmaExclusionRow> {
    return lockVisible(tx, SigmaExclusionEntity, id, 'SigmaExclusion', (row) => canSeeExclusion(this.principal, row));
  }
}
