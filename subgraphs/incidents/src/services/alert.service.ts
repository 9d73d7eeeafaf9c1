import {
  and,
  badUserInput,
  canSeeCustomer,
  conflict,
  customerScope,
  forbidden,
  intIds,
  loadByIntId,
  optionalText,
  orNotFound,
  paginate,
  ScopedService,
  text,
  updateById,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { EntityManager } from 'typeorm';
import type { IncidentsContext } from '../context';
import {
  AlertCommentEntity,
  AlertEntity,
  AssetEntity,
  type AlertRow,
  type AlertStatusValue,
  type AssetRow,
  type CommentRow,
  type SeverityValue,
  type VerdictReasonValue,
  type VerdictValue,
} from '../entities';
import { alertFilterCondition, type AlertFilter } from './alert-filter';
import { T, alertVisibility, requireCommenter, requireWorker } from './visibility';

export interface IocInput {
  value: string;
  type: string;
  description?: string | null;
}

export interface CreateAlertInput {
  name: string;
  description?: string | null;
  customerCode: string;
  source: string;
  severity?: SeverityValue | null;
  tagIds?: string[] | null;
  iocs?: IocInput[] | null;
}

export interface AlertOrder {
  direction?: 'ASC' | 'DESC' | null;
}

export interface VerdictInput {
  alertId: string;
  verdict: VerdictValue | null;
  reason?: VerdictReasonValue | null;
  note?: string | null;
}

export interface AssetInput {
  name: string;
  agentId?: string | null;
  velociraptorId?: string | null;
  indexName?: string | null;
  indexId?: string | null;
  contextSource?: string | null;
  context?: Record<string, unknown> | null;
}

/** OPEN → IN_PROGRESS → CLOSED, closing from either, reopening a closed alert. */
export const STATUS_TRANSITIONS: Record<AlertStatusValue, AlertStatusValue[]> = {
  OPEN: ['IN_PROGRESS', 'CLOSED'],
  IN_PROGRESS: ['OPEN', 'CLOSED'],
  CLOSED: ['OPEN'],
};

export function requireTransition(from: AlertStatusValue, to: AlertStatusValue): void {
  if (from === to) throw badUserInput(`Already ${to}`, 'status');
  if (!STATUS_TRANSITIONS[from].includes(to))
    throw badUserInput(`Cannot change status from ${from} to ${to}`, 'status');
}

export const USERNAME_RULE = { max: 64, pattern: /^[A-Za-z0-9._@-]+$/, patternHint: 'is not a valid username' };
const CODE_RULE = { max: 50, pattern: /^[A-Za-z0-9_-]+$/, patternHint: 'may hold letters, digits, - and _ only' };
const ALERT_NAME_MAX = 1024;
const DESCRIPTION_MAX = 20_000;
const COMMENT_MAX = 10_000;
const MAX_IOCS = 500;

/** Keyset order of alert lists: newest first by default; the id breaks ties. */
export function alertOrder(direction: 'ASC' | 'DESC' = 'DESC') {
  return [
    { column: 'alert_creation_time', direction, value: (a: AlertRow) => a.createdAt.toISOString() },
    { column: 'id', direction, value: (a: AlertRow) => a.id },
  ] as const;
}

export class AlertService extends ScopedService<IncidentsContext> {
  async list(
    args: ConnectionArgs,
    filter?: AlertFilter | null,
    orderBy?: AlertOrder | null,
  ): Promise<Connection<AlertRow>> {
    // The page probes each alert's tags as it walks the order index. The count probes too when
    // the caller's customers bound the rows (the customer index finds them); over every
    // customer it visits all alerts, where hashing the tag links once is cheaper (tagCondition's
    // `form`; bench/history/explain-scale-100-2026-12-01.md).
    const countForm = customerScope(this.principal).kind === 'all' ? 'set' : 'probe';
    const builder = (form: 'set' | 'probe') => {
      const condition = and(
        alertVisibility(this.principal, 'a', form),
        alertFilterCondition(this.principal, filter, 'a'),
      );
      return this.dataSource.getRepository(AlertEntity).createQueryBuilder('a').where(condition.sql, condition.params);
    };
    return paginate(
      builder('probe'),
      args,
      alertOrder(orderBy?.direction ?? 'DESC').map((col) => ({ ...col, column: `a.${col.column}` })),
      { countQuery: builder(countForm) },
    );
  }

  /** null when absent or invisible, exactly like a missing row. */
  byId(id: string | number): Promise<AlertRow | null> {
    return loadByIntId(this.scope.loaders.visibleAlertById, id);
  }

  /** For mutations: an invisible alert is NOT_FOUND. */
  async requireVisible(id: string | number): Promise<AlertRow> {
    return orNotFound(await this.byId(id), 'Alert', id);
  }

  async create(input: CreateAlertInput): Promise<AlertRow> {
    requireWorker(this.principal);
    const name = text(input.name, 'input.name', { max: ALERT_NAME_MAX });
    const description = optionalText(input.description, 'input.description', { max: DESCRIPTION_MAX });
    const customerCode = text(input.customerCode, 'input.customerCode', CODE_RULE);
    const source = text(input.source, 'input.source', { max: 50 });
    const tagIds = intIds(input.tagIds ?? [], 'input.tagIds');
    const iocs = (input.iocs ?? []).map((ioc, i) => this.checkIoc(ioc, `input.iocs.${i}`));
    if (iocs.length > MAX_IOCS) throw badUserInput(`At most ${MAX_IOCS} IoCs per alert`, 'input.iocs');
    if (!canSeeCustomer(this.principal, customerCode))
      throw forbidden(`Customer ${customerCode} is outside your scope`);
    this.scope.tags.requireAssignable(tagIds);

    return this.dataSource.transaction(async (tx) => {
      await this.scope.tags.requireExisting(tx, tagIds, 'input.tagIds');
      const alert = await tx.getRepository(AlertEntity).save({
        name,
        description,
        customerCode,
        source,
        severity: input.severity ?? 'Medium',
        status: 'OPEN',
      });
      if (tagIds.length) {
        await tx.query(`INSERT INTO ${T.alertTag} (alert_id, tag_id) SELECT $1, unnest($2::int[])`, [alert.id, tagIds]);
      }
      await this.linkIocs(tx, alert.id, iocs);
      return tx.getRepository(AlertEntity).findOneByOrFail({ id: alert.id });
    });
  }

  async updateStatus(id: string, status: AlertStatusValue): Promise<AlertRow> {
    requireWorker(this.principal);
    const alert = await this.requireVisible(id);
    requireTransition(alert.status, status);
    // Guard on the status we checked, so two analysts racing cannot both apply a transition.
    return this.updateWhere(
      alert,
      { status: alert.status },
      `status = :status, time_closed = ${status === 'CLOSED' ? 'now()' : 'NULL'}`,
      {
        status,
      },
    );
  }

  async assign(id: string, username: string | null | undefined): Promise<AlertRow> {
    requireWorker(this.principal);
    const alert = await this.requireVisible(id);
    const assignee = optionalText(username, 'username', USERNAME_RULE);
    if (assignee !== null) await this.scope.users.requireExisting(assignee, 'username', this.scope.requestId);
    return this.updateWhere(alert, {}, 'assigned_to = :assignee', { assignee });
  }

  async escalate(id: string, escalated: boolean): Promise<AlertRow> {
    requireWorker(this.principal);
    const alert = await this.requireVisible(id);
    return this.updateWhere(alert, {}, 'escalated = :escalated', { escalated });
  }

  async setSeverity(id: string, severity: SeverityValue): Promise<AlertRow> {
    requireWorker(this.principal);
    const alert = await this.requireVisible(id);
    return this.updateWhere(alert, {}, 'severity = :severity', { severity });
  }

  async setVerdict(input: VerdictInput): Promise<AlertRow> {
    requireWorker(this.principal);
    const alert = await this.requireVisible(input.alertId);
    if (input.verdict === 'FALSE_POSITIVE' && !input.reason) {
      throw badUserInput('A FALSE_POSITIVE verdict needs a reason', 'input.reason');
    }
    const note = optionalText(input.note, 'input.note', { max: DESCRIPTION_MAX });
    const cleared = input.verdict === null;
    return this.updateWhere(
      alert,
      {},
      'verdict = :verdict, verdict_reason = :reason, verdict_note = :note, verdict_by = :by, verdict_at = ' +
        (cleared ? 'NULL' : 'now()'),
      {
        verdict: input.verdict,
        reason: cleared ? null : (input.reason ?? null),
        note: cleared ? null : note,
        by: cleared ? null : this.principal.username,
      },
    );
  }

  async addComment(alertId: string, comment: string): Promise<CommentRow> {
    requireCommenter(this.principal);
    const alert = await this.requireVisible(alertId);
    const body = text(comment, 'comment', { max: COMMENT_MAX });
    const saved = await this.dataSource.getRepository(AlertCommentEntity).save({
      parentId: alert.id,
      comment: body,
      userName: this.principal.username ?? 'unknown',
      authorRole: this.principal.role,
    });
    return this.dataSource.getRepository(AlertCommentEntity).findOneByOrFail({ id: saved.id });
  }

  async tag(alertId: string, tagIdInput: string, attach: boolean): Promise<AlertRow> {
    requireWorker(this.principal);
    const alert = await this.requireVisible(alertId);
    const [tagId] = intIds([tagIdInput], 'tagId');
    this.scope.tags.requireAssignable([tagId!]);
    await this.dataSource.transaction(async (tx) => {
      await this.scope.tags.requireExisting(tx, [tagId!], 'tagId');
      await tx.query(
        attach
          ? `INSERT INTO ${T.alertTag} (alert_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
          : `DELETE FROM ${T.alertTag} WHERE alert_id = $1 AND tag_id = $2`,
        [alert.id, tagId],
      );
    });
    this.scope.loaders.tagsByAlertId.clear(alert.id);
    return alert;
  }

  async addIoc(alertId: string, input: IocInput): Promise<AlertRow> {
    requireWorker(this.principal);
    const alert = await this.requireVisible(alertId);
    const ioc = this.checkIoc(input, 'input');
    await this.dataSource.transaction((tx) => this.linkIocs(tx, alert.id, [ioc]));
    this.scope.loaders.iocsByAlertId.clear(alert.id);
    return alert;
  }

  async addAsset(alertId: string, input: AssetInput): Promise<AssetRow> {
    requireWorker(this.principal);
    const alert = await this.requireVisible(alertId);
    const asset = {
      alertId: alert.id,
      name: text(input.name, 'input.name', { max: 255 }),
      agentId: optionalText(input.agentId, 'input.agentId', { max: 255 }),
      velociraptorId: optionalText(input.velociraptorId, 'input.velociraptorId', { max: 255 }),
      indexName: optionalText(input.indexName, 'input.indexName', { max: 255 }),
      indexId: optionalText(input.indexId, 'input.indexId', { max: 255 }),
      customerCode: alert.customerCode,
    };
    const contextSource = optionalText(input.contextSource, 'input.contextSource', { max: 50 });
    if (input.context && JSON.stringify(input.context).length > 100_000)
      throw badUserInput('context is too large', 'input.context');
    return this.dataSource.transaction(async (tx) => {
      let alertContextId: number | null = null;
      if (input.context) {
        const [row] = (await tx.query(
          `INSERT INTO incidents.incident_management_alertcontext (source, context) VALUES ($1, $2) RETURNING id`,
          [contextSource ?? alert.source, JSON.stringify(input.context)],
        )) as { id: number }[];
        alertContextId = row!.id;
      }
      const saved = await tx.getRepository(AssetEntity).save({ ...asset, alertContextId });
      return tx.getRepository(AssetEntity).findOneByOrFail({ id: saved.id });
    });
  }

  private checkIoc(ioc: IocInput, field: string): Required<IocInput> {
    return {
      value: text(ioc.value, `${field}.value`, { max: 1024 }),
      type: text(ioc.type, `${field}.type`, { max: 50 }),
      description: optionalText(ioc.description, `${field}.description`, { max: DESCRIPTION_MAX }),
    };
  }

  /** IoCs are deduplicated by (value, type) across all alerts; a later description fills a missing one. */
  private async linkIocs(tx: EntityManager, alertId: number, iocs: Required<IocInput>[]): Promise<void> {
    for (const ioc of iocs) {
      const [row] = (await tx.query(
        `INSERT INTO ${T.ioc} (value, type, description) VALUES ($1, $2, $3)
         ON CONFLICT (value, type) DO UPDATE SET description = COALESCE(${T.ioc}.description, EXCLUDED.description)
         RETURNING id`,
        [ioc.value, ioc.type, ioc.description],
      )) as { id: number }[];
      await tx.query(`INSERT INTO ${T.alertIoc} (alert_id, ioc_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        alertId,
        row!.id,
      ]);
    }
  }

  /** Applies one guarded UPDATE and returns the row as it is now; a lost race is CONFLICT. */
  private async updateWhere(
    alert: AlertRow,
    expected: Partial<Pick<AlertRow, 'status'>>,
    assignments: string,
    params: Record<string, unknown>,
  ): Promise<AlertRow> {
    const changed = await updateById(
      this.dataSource,
      T.alert,
      alert.id,
      assignments,
      { ...params, expectedStatus: expected.status },
      expected.status ? 'status = :expectedStatus' : undefined,
    );
    if (!changed) throw conflict(`Alert ${alert.id} changed meanwhile; reload and retry`);
    this.scope.loaders.visibleAlertById.clear(alert.id);
    return this.dataSource.getRepository(AlertEntity).findOneByOrFail({ id: alert.id });
  }
}
