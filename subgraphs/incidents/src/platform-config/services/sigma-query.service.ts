import {
  ConditionBuilder,
  loadByIntId,
  paginate,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
  type TextRule,
} from '@socgraph/shared';
import type { IncidentsContext } from '../../context';
import { SigmaQueryEntity, type SigmaQueryRow } from '../entities';
import { lockVisible, qualified, requireConfigReader, requireConfigWriter, writeTransaction } from './common';

export interface SigmaQueryFilter {
  active?: boolean | null;
  search?: string | null;
}

export interface CreateSigmaQueryInput {
  ruleName: string;
  ruleQuery: string;
  active?: boolean | null;
  timeInterval?: string | null;
}

/** Omitted (or null) fields keep their value. */
export type UpdateSigmaQueryInput = Partial<CreateSigmaQueryInput>;

const RULE_QUERY_MAX = 100_000;
/** How often the scheduler runs the rule: a count of minutes, hours or days ("5m", "1h", "1d"). */
const TIME_INTERVAL_RULE: TextRule = {
  max: 20,
  pattern: /^[1-9][0-9]{0,3}[mhd]$/,
  patternHint: 'must be a number of minutes, hours or days such as 5m, 1h or 1d',
};

const ORDER = [
  { column: 'rule_name', direction: 'ASC', value: (q: SigmaQueryRow) => q.ruleName },
  { column: 'id', direction: 'ASC', value: (q: SigmaQueryRow) => q.id },
] as const;

/** Sigma rules the scheduler runs against the SIEM. Global, not customer data. */
export class SigmaQueryService extends ScopedService<IncidentsContext> {
  async list(args: ConnectionArgs, filter?: SigmaQueryFilter | null): Promise<Connection<SigmaQueryRow>> {
    requireConfigReader(this.principal);
    const condition = new ConditionBuilder('sq')
      .equalsValue('active', filter?.active)
      .contains(['rule_name'], filter?.search, 'filter.search', 200)
      .build();
    const query = this.dataSource
      .getRepository(SigmaQueryEntity)
      .createQueryBuilder('sq')
      .where(condition.sql, condition.params);
    return paginate(query, args, qualified('sq', ORDER));
  }

  async byId(id: string): Promise<SigmaQueryRow | null> {
    requireConfigReader(this.principal);
    return loadByIntId(this.scope.socConfig.loaders.sigmaQueryById, id);
  }

  async create(input: CreateSigmaQueryInput): Promise<SigmaQueryRow> {
    requireConfigWriter(this.principal);
    const row = {
      ruleName: text(input.ruleName, 'input.ruleName', { max: 255 }),
      ruleQuery: text(input.ruleQuery, 'input.ruleQuery', { max: RULE_QUERY_MAX }),
      active: input.active ?? true,
      timeInterval: text(input.timeInterval ?? '5m', 'input.timeInterval', TIME_INTERVAL_RULE),
    };
    return writeTransaction(this.dataSource, `A sigma query named ${row.ruleName} exists`, async (tx) => {
      const saved = await tx.getRepository(SigmaQueryEntity).save(row);
      return tx.getRepository(SigmaQueryEntity).findOneByOrFail({ id: saved.id });
    });
  }

  async update(id: string, input: UpdateSigmaQueryInput): Promise<SigmaQueryRow> {
    requireConfigWriter(this.principal);
    const changes: Partial<SigmaQueryRow> = {};
    if (input.ruleName != null) changes.ruleName = text(input.ruleName, 'input.ruleName', { max: 255 });
    if (input.ruleQuery != null) changes.ruleQuery = text(input.ruleQuery, 'input.ruleQuery', { max: RULE_QUERY_MAX });
    if (input.active != null) changes.active = input.active;
    if (input.timeInterval != null)
      changes.timeInterval = text(input.timeInterval, 'input.timeInterval', TIME_INTERVAL_RULE);
    const duplicate = `A sigma query named ${changes.ruleName ?? ''} exists`;
    const updated = await writeTransaction(this.dataSource, duplicate, async (tx) => {
      const row = await lockVisible(tx, SigmaQueryEntity, id, 'SigmaQuery');
      if (Object.keys(changes).length) await tx.getRepository(SigmaQueryEntity).update({ id: row.id }, changes);
      return tx.getRepository(SigmaQueryEntity).findOneByOrFail({ id: row.id });
    });
    this.scope.socConfig.loaders.sigmaQueryById.clear(updated.id);
    return updated;
  }

  async delete(id: string): Promise<number> {
    requireConfigWriter(this.principal);
    const deleted = await writeTransaction(this.dataSource, 'Sigma query changed meanwhile', async (tx) => {
      const row = await lockVisible(tx, SigmaQueryEntity, id, 'SigmaQuery');
      await tx.getRepository(SigmaQueryEntity).delete({ id: row.id });
      return row.id;
    });
    this.scope.socConfig.loaders.sigmaQueryById.clear(deleted);
    return deleted;
  }
}
