import {
  groupLoader,
  nestedPages,
  rowLoader,
  rowsAsEntities,
  runNamed,
  type Connection,
  type Principal,
} from '@socgraph/shared';
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import {
  BiasDetectionEntity,
  DecisionAuditEntity,
  EthicsReportEntity,
  ExecutionEntity,
  FairnessMetricEntity,
  type BiasDetectionRow,
  type DecisionAuditRow,
  type EthicsReportRow,
  type ExecutionRow,
  type FairnessMetricRow,
} from './entities';
import { nestedLoader, newestFirst } from './loaders';
import { RAI_TABLES, raiVisibility } from './services/responsible-ai.service';
import { canSeeExecution, T } from './services/visibility';

export interface FairnessKey {
  parent: string;
  from: Date;
  to: Date;
}

/** Batches of the responsible-AI reads: one statement per list of parents, whatever its length. */
export function createResponsibleAiLoaders(dataSource: DataSource, principal: Principal) {
  const select = <R extends Record<string, unknown>>(
    entity: Parameters<typeof rowsAsEntities>[1],
    sql: string,
    params: Record<string, unknown>,
  ) =>
    runNamed<Record<string, unknown>>(dataSource, sql, params).then((raws) =>
      rowsAsEntities<R>(dataSource, entity, raws),
    );
  const decisions = raiVisibility(principal, 'd', { executionUser: true });
  const reports = raiVisibility(principal, 'r');
  const records = (alias: string) => raiVisibility(principal, alias);

  return {
    /** An execution's decisions, oldest first, as far as the caller may see them. */
    decisionsByExecution: groupLoader<string, DecisionAuditRow>(
      (ids) =>
        select<DecisionAuditRow & Record<string, unknown>>(
          DecisionAuditEntity,
          `SELECT d.* FROM ${RAI_TABLES.decision} d WHERE d.execution_id = ANY(CAST(:ids AS text[])) AND (${decisions.sql})
            ORDER BY d.created_at, d.id`,
          { ...decisions.params, ids: [...ids] },
        ),
      (row) => row.executionId,
    ),
    /** Executions by id for the decisions that name them, when the caller may see the execution. */
    visibleExecutionById: rowLoader<string, ExecutionRow>(
      (ids) =>
        select<ExecutionRow & Record<string, unknown>>(
          ExecutionEntity,
          `SELECT x.* FROM ${T.execution} x WHERE x.id = ANY(CAST(:ids AS text[])) AND x.status <> 'running'`,
          { ids: [...ids] },
        ).then((rows) => rows.filter((row) => canSeeExecution(principal, row))),
      (row) => row.id,
    ),
    visibleEthicsReportById: rowLoader<string, EthicsReportRow>(
      (ids) =>
        select<EthicsReportRow & Record<string, unknown>>(
          EthicsReportEntity,
          `SELECT r.* FROM ${RAI_TABLES.ethics} r WHERE r.id = ANY(CAST(:ids AS text[])) AND (${reports.sql})`,
          { ...reports.params, ids: [...ids] },
        ),
      (row) => row.id,
    ),
    biasByAgent: nestedLoader<Connection<BiasDetectionRow>>((parents, args) =>
      nestedPages(parents, {
        dataSource,
        entity: BiasDetectionEntity,
        table: RAI_TABLES.bias,
        alias: 'b',
        parentColumn: 'agent_id',
        where: records('b'),
        order: newestFirst<BiasDetectionRow>('detected_at', (row) => row.detectedAt),
        args,
      }),
    ),
    ethicsReportsByAgent: nestedLoader<Connection<EthicsReportRow>>((parents, args) =>
      nestedPages(parents, {
        dataSource,
        entity: EthicsReportEntity,
        table: RAI_TABLES.ethics,
        alias: 'r',
        parentColumn: 'agent_id',
        where: records('r'),
        order: newestFirst<EthicsReportRow>('created_at', (row) => row.createdAt),
        args,
      }),
    ),
    /** Fairness metrics of many agents for one range, in one statement per distinct range. */
    fairnessByAgent: new DataLoader<FairnessKey, FairnessMetricRow[], string>(
      async (keys) => {
        const rangeOf = (k: FairnessKey) => JSON.stringify([k.from.toISOString(), k.to.toISOString()]);
        const byRange = new Map<string, FairnessKey[]>();
        for (const key of keys) byRange.set(rangeOf(key), [...(byRange.get(rangeOf(key)) ?? []), key]);
        const found = new Map<string, FairnessMetricRow[]>();
        const visible = records('f');
        for (const [range, group] of byRange) {
          const rows = await select<FairnessMetricRow & Record<string, unknown>>(
            FairnessMetricEntity,
            `SELECT f.* FROM ${RAI_TABLES.fairness} f WHERE f.agent_id = ANY(CAST(:ids AS text[]))
               AND f.period_start >= :from AND f.period_start < :to AND (${visible.sql})
             ORDER BY f.period_start, f.metric_name, f.protected_attribute, f.id`,
            { ...visible.params, ids: group.map((k) => k.parent), from: group[0]!.from, to: group[0]!.to },
          );
          for (const row of rows)
            found.set(`${range}|${row.agentId}`, [...(found.get(`${range}|${row.agentId}`) ?? []), row]);
        }
        return keys.map((key) => found.get(`${rangeOf(key)}|${key.parent}`) ?? []);
      },
      { cacheKeyFn: (k) => JSON.stringify([k.parent, k.from.toISOString(), k.to.toISOString()]) },
    ),
  };
}

export type ResponsibleAiLoaders = ReturnType<typeof createResponsibleAiLoaders>;
