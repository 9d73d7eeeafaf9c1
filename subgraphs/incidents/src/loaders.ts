import {
  and,
  groupLoader,
  nestedPages,
  rowLoader,
  rowsAsEntities,
  runNamed,
  type Connection,
  type ConnectionArgs,
  type Principal,
} from '@socgraph/shared';
import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import {
  AlertCommentEntity,
  AlertContextEntity,
  AlertEntity,
  AssetEntity,
  CaseCommentEntity,
  CaseEntity,
  CaseFileEntity,
  TagEntity,
  type AlertRow,
  type CaseRow,
  type IocRow,
  type TagRow,
} from './entities';
import { alertFilterCondition, type AlertFilter } from './services/alert-filter';
import { alertOrder, type AlertOrder } from './services/alert.service';
import { caseFilterCondition, caseOrder, type CaseFilter } from './services/case.service';
import { T, alertVisibility, caseVisibility } from './services/visibility';

/** Nested connection loaders batch parents that ask with the same arguments. */
interface NestedKey<F> {
  parent: string;
  args: ConnectionArgs;
  filter: F | null;
  order?: AlertOrder | null;
}

function nestedLoader<F, V>(
  load: (
    parents: string[],
    args: ConnectionArgs,
    filter: F | null,
    order: AlertOrder | null,
  ) => Promise<Map<string, V>>,
) {
  return new DataLoader<NestedKey<F>, V, string>(
    async (keys) => {
      const groups = new Map<string, NestedKey<F>[]>();
      for (const key of keys) {
        const signature = JSON.stringify([key.args, key.filter, key.order ?? null]);
        groups.set(signature, [...(groups.get(signature) ?? []), key]);
      }
      const results = new Map<string, V>();
      for (const [signature, group] of groups) {
        const first = group[0]!;
        const pages = await load(
          group.map((k) => k.parent),
          first.args,
          first.filter,
          first.order ?? null,
        );
        for (const key of group) results.set(`${signature}|${key.parent}`, pages.get(key.parent)!);
      }
      return keys.map((key) =>
        results.get(`${JSON.stringify([key.args, key.filter, key.order ?? null])}|${key.parent}`)!,
      );
    },
    { cacheKeyFn: (key) => JSON.stringify([key.parent, key.args, key.filter, key.order ?? null]) },
  );
}

/**
 * Per-request DataLoaders. Every loader that returns alerts or cases applies the caller's
 * visibility in SQL, so nested fields and entity references can never show a row a list hides.
 */
export function createIncidentsLoaders(dataSource: DataSource, principal: Principal) {
  const visibleAlerts = alertVisibility(principal, 'a');
  const visibleCases = caseVisibility(principal, 'c');

  return {
    visibleAlertById: rowLoader(
      (ids: readonly number[]) =>
        dataSource
          .getRepository(AlertEntity)
          .createQueryBuilder('a')
          .where('a.id = ANY(:ids)', { ids: [...ids] })
          .andWhere(visibleAlerts.sql, visibleAlerts.params)
          .getMany(),
      (a) => a.id,
    ),
    visibleCaseById: rowLoader(
      (ids: readonly number[]) =>
        dataSource
          .getRepository(CaseEntity)
          .createQueryBuilder('c')
          .where('c.id = ANY(:ids)', { ids: [...ids] })
          .andWhere(visibleCases.sql, visibleCases.params)
          .getMany(),
      (c) => c.id,
    ),
    tagById: rowLoader(
      (ids: readonly number[]) => dataSource.getRepository(TagEntity).findBy({ id: In([...ids]) }),
      (t) => t.id,
    ),
    tagsByAlertId: groupLoader(
      (alertIds: readonly number[]) =>
        runNamed<TagRow & { alert_id: number }>(
          dataSource,
          `SELECT at.alert_id, t.id, t.tag AS name FROM ${T.alertTag} at JOIN ${T.tag} t ON t.id = at.tag_id
            WHERE at.alert_id = ANY(:ids) ORDER BY t.tag`,
          { ids: [...alertIds] },
        ),
      (row) => row.alert_id,
    ),
    iocsByAlertId: groupLoader(
      (alertIds: readonly number[]) =>
        runNamed<IocRow & { alert_id: number }>(
          dataSource,
          `SELECT ai.alert_id, i.id, i.value, i.type, i.description FROM ${T.alertIoc} ai JOIN ${T.ioc} i ON i.id = ai.ioc_id
            WHERE ai.alert_id = ANY(:ids) ORDER BY i.id`,
          { ids: [...alertIds] },
        ),
      (row) => row.alert_id,
    ),
    assetsByAlertId: groupLoader(
      (alertIds: readonly number[]) =>
        dataSource.getRepository(AssetEntity).find({ where: { alertId: In([...alertIds]) }, order: { id: 'ASC' } }),
      (row) => row.alertId,
    ),
    alertContextById: rowLoader(
      (ids: readonly number[]) => dataSource.getRepository(AlertContextEntity).findBy({ id: In([...ids]) }),
      (row) => row.id,
    ),
    commentsByAlertId: groupLoader(
      (alertIds: readonly number[]) =>
        dataSource
          .getRepository(AlertCommentEntity)
          .find({ where: { parentId: In([...alertIds]) }, order: { createdAt: 'ASC', id: 'ASC' } }),
      (row) => row.parentId,
    ),
    commentsByCaseId: groupLoader(
      (caseIds: readonly number[]) =>
        dataSource
          .getRepository(CaseCommentEntity)
          .find({ where: { parentId: In([...caseIds]) }, order: { createdAt: 'ASC', id: 'ASC' } }),
      (row) => row.parentId,
    ),
    filesByCaseId: groupLoader(
      (caseIds: readonly number[]) =>
        dataSource
          .getRepository(CaseFileEntity)
          .find({ where: { caseId: In([...caseIds]) }, order: { uploadedAt: 'ASC', id: 'ASC' } }),
      (row) => row.caseId,
    ),
    /** The alerts of each case that the caller may see, one by one. */
    alertsByCaseId: groupLoader(
      async (caseIds: readonly number[]) =>
        rowsAsEntities<AlertRow & { parent_case_id: number }>(
          dataSource,
          AlertEntity,
          await runNamed(
            dataSource,
            `SELECT cl.case_id AS parent_case_id, a.* FROM ${T.caseAlert} cl JOIN ${T.alert} a ON a.id = cl.alert_id
              WHERE cl.case_id = ANY(:case_ids) AND ${visibleAlerts.sql} ORDER BY a.alert_creation_time DESC, a.id DESC`,
            { ...visibleAlerts.params, case_ids: [...caseIds] },
          ),
        ),
      (row) => row.parent_case_id,
    ),
    /** The visible cases each alert belongs to. */
    casesByAlertId: groupLoader(
      async (alertIds: readonly number[]) =>
        rowsAsEntities<CaseRow & { parent_alert_id: number }>(
          dataSource,
          CaseEntity,
          await runNamed(
            dataSource,
            `SELECT cl.alert_id AS parent_alert_id, c.* FROM ${T.caseAlert} cl JOIN ${T.case} c ON c.id = cl.case_id
              WHERE cl.alert_id = ANY(:alert_ids) AND ${visibleCases.sql} ORDER BY c.case_creation_time DESC, c.id DESC`,
            { ...visibleCases.params, alert_ids: [...alertIds] },
          ),
        ),
      (row) => row.parent_alert_id,
    ),
    /** User.assignedAlerts for many users in one statement. */
    alertsByAssignee: nestedLoader<AlertFilter, Connection<AlertRow>>((usernames, args, filter, order) =>
      nestedPages(usernames, {
        dataSource,
        entity: AlertEntity,
        table: T.alert,
        alias: 'a',
        parentColumn: 'assigned_to',
        where: and(visibleAlerts, alertFilterCondition(principal, filter, 'a')),
        order: alertOrder(order?.direction ?? 'DESC'),
        args,
      }),
    ),
    /** Customer.alerts for many customers in one statement. */
    alertsByCustomer: nestedLoader<AlertFilter, Connection<AlertRow>>((codes, args, filter, order) =>
      nestedPages(codes, {
        dataSource,
        entity: AlertEntity,
        table: T.alert,
        alias: 'a',
        parentColumn: 'customer_code',
        where: and(visibleAlerts, alertFilterCondition(principal, filter, 'a')),
        order: alertOrder(order?.direction ?? 'DESC'),
        args,
      }),
    ),
    /** Customer.cases for many customers in one statement. */
    casesByCustomer: nestedLoader<CaseFilter, Connection<CaseRow>>((codes, args, filter) =>
      nestedPages(codes, {
        dataSource,
        entity: CaseEntity,
        table: T.case,
        alias: 'c',
        parentColumn: 'customer_code',
        where: and(visibleCases, caseFilterCondition(principal, filter, 'c')),
        order: caseOrder(),
        args,
      }),
    ),
  };
}
export type IncidentsLoaders = ReturnType<typeof createIncidentsLoaders>;
