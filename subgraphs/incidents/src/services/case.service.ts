import {
  and,
  badUserInput,
  canSeeCustomer,
  ConditionBuilder,
  conflict,
  forbidden,
  intIds,
  isUniqueViolation,
  loadByIntId,
  optionalText,
  orNotFound,
  paginate,
  requireUserFilter,
  ScopedService,
  text,
  updateById,
  type Connection,
  type ConnectionArgs,
  type Principal,
  type SqlCondition,
} from '@socgraph/shared';
import type { IncidentsContext } from '../context';
import {
  CaseCommentEntity,
  CaseEntity,
  CaseFileEntity,
  type AlertStatusValue,
  type CaseFileRow,
  type CaseRow,
  type CommentRow,
} from '../entities';
import { requireTransition, USERNAME_RULE } from './alert.service';
import { T, caseVisibility, requireCommenter, requireWorker } from './visibility';

export interface CaseFilter {
  status?: AlertStatusValue[] | null;
  customerCode?: string | null;
  assignedTo?: string | null;
  escalated?: boolean | null;
  search?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

export interface CreateCaseInput {
  name: string;
  description?: string | null;
  customerCode: string;
  alertIds?: string[] | null;
  assignedTo?: string | null;
}

export interface CaseFileInput {
  caseId: string;
  bucketName: string;
  objectKey: string;
  fileName: string;
  contentType?: string | null;
  fileSize: number;
  fileHash: string;
}

const CODE_RULE = { max: 50, pattern: /^[A-Za-z0-9_-]+$/, patternHint: 'may hold letters, digits, - and _ only' };
const HASH_RULE = { max: 128, pattern: /^[A-Fa-f0-9]{32,128}$/, patternHint: 'must be a hex digest' };

export function caseOrder() {
  return [
    { column: 'case_creation_time', direction: 'DESC', value: (c: CaseRow) => c.createdAt.toISOString() },
    { column: 'id', direction: 'DESC', value: (c: CaseRow) => c.id },
  ] as const;
}

/** As alertFilterCondition: one condition for every list of cases, assignee filter guarded. */
export function caseFilterCondition(p: Principal, filter: CaseFilter | null | undefined, alias: string): SqlCondition {
  requireUserFilter(p, filter?.assignedTo, 'filter.assignedTo');
  return new ConditionBuilder(alias)
    .anyOf('case_status', filter?.status)
    .equals('customer_code', filter?.customerCode, 'filter.customerCode', 50)
    .equalsIgnoringCase('assigned_to', filter?.assignedTo, 'filter.assignedTo', 64)
    .equalsValue('escalated', filter?.escalated)
    .contains(['case_name', 'case_description'], filter?.search, 'filter.search', 200)
    .period('case_creation_time', filter?.createdAfter, filter?.createdBefore, {
      from: 'filter.createdAfter',
      to: 'filter.createdBefore',
    })
    .build();
}

export class CaseService extends ScopedService<IncidentsContext> {
  async list(args: ConnectionArgs, filter?: CaseFilter | null): Promise<Connection<CaseRow>> {
    const condition = and(caseVisibility(this.principal, 'c'), caseFilterCondition(this.principal, filter, 'c'));
    const query = this.dataSource
      .getRepository(CaseEntity)
      .createQueryBuilder('c')
      .where(condition.sql, condition.params);
    return paginate(
      query,
      args,
      caseOrder().map((col) => ({ ...col, column: `c.${col.column}` })),
    );
  }

  /** null when absent or invisible, exactly like a missing row. */
  byId(id: string | number): Promise<CaseRow | null> {
    return loadByIntId(this.scope.loaders.visibleCaseById, id);
  }

  /** For mutations: an invisible case is NOT_FOUND. */
  async requireVisible(id: string | number): Promise<CaseRow> {
    return orNotFound(await this.byId(id), 'Case', id);
  }

  async create(input: CreateCaseInput): Promise<CaseRow> {
    requireWorker(this.principal);
    const name = text(input.name, 'input.name', { max: 255 });
    const description = optionalText(input.description, 'input.description', { max: 20_000 });
    const customerCode = text(input.customerCode, 'input.customerCode', CODE_RULE);
    const assignedTo = optionalText(input.assignedTo, 'input.assignedTo', USERNAME_RULE);
    if (!canSeeCustomer(this.principal, customerCode))
      throw forbidden(`Customer ${customerCode} is outside your scope`);
    const alertIds = intIds(input.alertIds ?? [], 'input.alertIds', 500);
    const alerts = await Promise.all(alertIds.map((id) => this.scope.alerts.requireVisible(id)));
    if (assignedTo !== null)
      await this.scope.users.requireExisting(assignedTo, 'input.assignedTo', this.scope.requestId);
    const foreign = alerts.filter((a) => a.customerCode !== customerCode);
    if (foreign.length) {
      throw badUserInput(
        `Alert(s) ${foreign.map((a) => a.id).join(', ')} belong to another customer`,
        'input.alertIds',
      );
    }
    return this.dataSource.transaction(async (tx) => {
      const saved = await tx
        .getRepository(CaseEntity)
        .save({ name, description, customerCode, assignedTo, status: 'OPEN' });
      if (alertIds.length) {
        await tx.query(`INSERT INTO ${T.caseAlert} (case_id, alert_id) SELECT $1, unnest($2::int[])`, [
          saved.id,
          alertIds,
        ]);
      }
      return tx.getRepository(CaseEntity).findOneByOrFail({ id: saved.id });
    });
  }

  async link(caseId: string, alertId: string, attach: boolean): Promise<CaseRow> {
    requireWorker(this.principal);
    const found = await this.requireVisible(caseId);
    const alert = await this.scope.alerts.requireVisible(alertId);
    if (attach && alert.customerCode !== found.customerCode) {
      throw badUserInput(`Alert ${alert.id} belongs to another customer`, 'alertId');
    }
    await this.dataSource.query(
      attach
        ? `INSERT INTO ${T.caseAlert} (case_id, alert_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
        : `DELETE FROM ${T.caseAlert} WHERE case_id = $1 AND alert_id = $2`,
      [found.id, alert.id],
    );
    this.scope.loaders.alertsByCaseId.clear(found.id);
    return found;
  }

  async updateStatus(id: string, status: AlertStatusValue): Promise<CaseRow> {
    requireWorker(this.principal);
    const found = await this.requireVisible(id);
    requireTransition(found.status, status);
    return this.updateWhere(
      found,
      `case_status = :status, case_closed_time = ${status === 'CLOSED' ? 'now()' : 'NULL'}`,
      {
        status,
        expectedStatus: found.status,
      },
    );
  }

  async assign(id: string, username: string | null | undefined): Promise<CaseRow> {
    requireWorker(this.principal);
    const found = await this.requireVisible(id);
    const assignee = optionalText(username, 'username', USERNAME_RULE);
    if (assignee !== null) await this.scope.users.requireExisting(assignee, 'username', this.scope.requestId);
    return this.updateWhere(found, 'assigned_to = :assignee', { assignee });
  }

  async addComment(caseId: string, comment: string): Promise<CommentRow> {
    requireCommenter(this.principal);
    const found = await this.requireVisible(caseId);
    const saved = await this.dataSource.getRepository(CaseCommentEntity).save({
      parentId: found.id,
      comment: text(comment, 'comment', { max: 10_000 }),
      userName: this.principal.username ?? 'unknown',
      authorRole: this.principal.role,
    });
    return this.dataSource.getRepository(CaseCommentEntity).findOneByOrFail({ id: saved.id });
  }

  /** Records a file already uploaded to the object store: where it is and its hash. */
  async addFile(input: CaseFileInput): Promise<CaseFileRow> {
    requireWorker(this.principal);
    const found = await this.requireVisible(input.caseId);
    if (!Number.isSafeInteger(input.fileSize) || input.fileSize < 0)
      throw badUserInput('fileSize must be ≥ 0', 'input.fileSize');
    const row = {
      caseId: found.id,
      bucketName: text(input.bucketName, 'input.bucketName', { max: 255 }),
      objectKey: text(input.objectKey, 'input.objectKey', { max: 1024 }),
      fileName: text(input.fileName, 'input.fileName', { max: 255 }),
      contentType: optionalText(input.contentType, 'input.contentType', { max: 255 }),
      fileSize: String(input.fileSize),
      fileHash: text(input.fileHash, 'input.fileHash', HASH_RULE).toLowerCase(),
    };
    try {
      const saved = await this.dataSource.getRepository(CaseFileEntity).save(row);
      return this.dataSource.getRepository(CaseFileEntity).findOneByOrFail({ id: saved.id });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`An object ${row.bucketName}/${row.objectKey} is already recorded`);
      throw error;
    }
  }

  /** Applies one guarded UPDATE and returns the case as it is now; a lost race is CONFLICT. */
  private async updateWhere(found: CaseRow, assignments: string, params: Record<string, unknown>): Promise<CaseRow> {
    const changed = await updateById(
      this.dataSource,
      T.case,
      found.id,
      assignments,
      params,
      params.expectedStatus ? 'case_status = :expectedStatus' : undefined,
    );
    if (!changed) throw conflict(`Case ${found.id} changed meanwhile; reload and retry`);
    this.scope.loaders.visibleCaseById.clear(found.id);
    return this.dataSource.getRepository(CaseEntity).findOneByOrFail({ id: found.id });
  }
}
