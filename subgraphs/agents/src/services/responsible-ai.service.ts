import { randomUUID } from 'node:crypto';
import {
  and,
  badUserInput,
  conflict,
  forbidden,
  isUnrestricted,
  notFound,
  optionalText,
  paginate,
  rowsAsEntities,
  runNamed,
  Roles,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
  type Principal,
  type SqlCondition,
} from '@socgraph/shared';
import type { ObjectLiteral, EntitySchema } from 'typeorm';
import type { AgentsContext } from '../context';
import {
  BiasDetectionEntity,
  DecisionAuditEntity,
  EthicsReportEntity,
  FairnessMetricEntity,
  type BiasDetectionRow,
  type DecisionAuditRow,
  type EthicsReportRow,
  type FairnessMetricRow,
} from '../entities';
import { MARKETPLACE_ROLES, T } from './visibility';

export const RAI_TABLES = {
  decision: 'agents.ai_decision_audit',
  bias: 'agents.bias_detection_log',
  fairness: 'agents.fairness_metrics_log',
  ethics: 'agents.ethics_reports',
} as const;

const MAX_JSON_BYTES = 64 * 1024;
const MAX_FAIRNESS_BATCH = 100;
const DAY_MS = 86_400_000;
const LOWER_SNAKE = /^[a-z][a-z0-9_]*$/;

/**
 * Who reads responsible-AI records: admins, the scheduler and the auditor all of them (they
 * are audit material); an agent's owner its agent's; with `executionUser`, also the user whose
 * execution a decision explains. Everyone else none. `alias` is the record table's.
 */
export function raiVisibility(p: Principal, alias: string, options: { executionUser?: boolean } = {}): SqlCondition {
  if (isUnrestricted(p) || (p.kind === 'user' && p.role === Roles.AUDITOR)) return { sql: 'TRUE', params: {} };
  if (p.kind !== 'user' || p.userId === null || !(MARKETPLACE_ROLES as readonly string[]).includes(p.role ?? ''))
    return { sql: 'FALSE', params: {} };
  const owner = `EXISTS (SELECT 1 FROM ${T.agent} owned WHERE owned.id = ${alias}.agent_id AND owned.owner_id = :rai_viewer)`;
  const user = `EXISTS (SELECT 1 FROM ${T.execution} mine WHERE mine.id = ${alias}.execution_id AND mine.user_id = :rai_viewer)`;
  return { sql: options.executionUser ? `(${owner} OR ${user})` : owner, params: { rai_viewer: p.userId } };
}

export interface DecisionAuditFilter {
  agentId?: string | null;
  executionId?: string | null;
  reviewStatus?: string | null;
  from?: Date | null;
  to?: Date | null;
}
export interface BiasDetectionFilter {
  agentId?: string | null;
  status?: string | null;
  severity?: string | null;
}
export interface FairnessMetricFilter {
  agentId?: string | null;
  metricName?: string | null;
  from?: Date | null;
  to?: Date | null;
}
export interface EthicsReportFilter {
  agentId?: string | null;
  status?: string | null;
}

export interface RecordDecisionAuditInput {
  executionId: string;
  decisionType: string;
  decision: string;
  confidence?: number | null;
  explanation?: string | null;
  factors?: Record<string, unknown> | null;
  modelVersion?: string | null;
  requiresHumanReview?: boolean | null;
}
export interface ReviewDecisionInput {
  outcome: 'approved' | 'overridden';
  overriddenDecision?: string | null;
  notes?: string | null;
}
export interface RecordBiasDetectionInput {
  agentId: string;
  executionId?: string | null;
  biasType: string;
  protectedAttribute?: string | null;
  severity: string;
  biasScore: number;
  threshold?: number | null;
  details?: Record<string, unknown> | null;
}
export interface ResolveBiasDetectionInput {
  status: string;
  mitigation?: string | null;
}
export interface FairnessMetricInput {
  metricName: string;
  protectedAttribute: string;
  privilegedGroup?: string | null;
  unprivilegedGroup?: string | null;
  value: number;
  threshold?: number | null;
  passed: boolean;
  sampleSize: number;
}
export interface RecordFairnessMetricsInput {
  agentId: string;
  periodStart: Date;
  periodEnd: Date;
  metrics: FairnessMetricInput[];
}
export interface CreateEthicsReportInput {
  agentId: string;
  title: string;
  summary?: string | null;
  findings?: unknown;
  recommendations?: string | null;
  riskLevel: string;
  periodStart?: Date | null;
  periodEnd?: Date | null;
}
export interface ReviewEthicsReportInput {
  decision: string;
  notes?: string | null;
}

/** The range an `Agent.fairnessMetrics` read may ask for. */
export function fairnessRange(args: { from: Date; to: Date }): { from: Date; to: Date } {
  const span = args.to.getTime() - args.from.getTime();
  if (!(span > 0)) throw badUserInput('to must be after from', 'to');
  if (span > 366 * DAY_MS) throw badUserInput('At most 366 days of fairness metrics at once', 'to');
  return { from: args.from, to: args.to };
}

function jsonObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badUserInput(`${field} must be a JSON object`, field);
  jsonSize(value, field);
  return value as Record<string, unknown>;
}

function jsonSize(value: unknown, field: string): void {
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_JSON_BYTES)
    throw badUserInput(`${field} must be at most ${MAX_JSON_BYTES} bytes`, field);
}

function unit(value: number | null | undefined, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value) || value < 0 || value > 1) throw badUserInput(`${field} must be 0 to 1`, field);
  return value;
}

const finite = (value: number, field: string): number => {
  if (!Number.isFinite(value)) throw badUserInput(`${field} must be finite`, field);
  return value;
};

const newestFirst = <R extends { id: string }>(alias: string, column: string, value: (row: R) => Date) =>
  [
    { column: `${alias}.${column}`, direction: 'DESC' as const, value: (row: R) => value(row).toISOString() },
    { column: `${alias}.id`, direction: 'DESC' as const, value: (row: R) => row.id },
  ] as const;

/**
 * Responsible-AI records of marketplace agents: decision audits with human review, bias
 * detections, fairness metrics per agent and period, ethics reports with their review workflow.
 */
export class ResponsibleAiService extends ScopedService<AgentsContext> {
  private get actor(): string {
    return (this.principal.username ?? this.principal.clientName ?? this.principal.kind).slice(0, 100);
  }

  // ---- reads -------------------------------------------------------------------------------

  listDecisionAudits(args: ConnectionArgs, filter?: DecisionAuditFilter | null): Promise<Connection<DecisionAuditRow>> {
    const parts: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter?.agentId) {
      parts.push('d.agent_id = :f_agent');
      params.f_agent = filter.agentId;
    }
    if (filter?.executionId) {
      parts.push('d.execution_id = :f_execution');
      params.f_execution = filter.executionId;
    }
    if (filter?.reviewStatus) {
      parts.push('d.review_status = :f_review');
      params.f_review = filter.reviewStatus;
    }
    if (filter?.from) {
      parts.push('d.created_at >= :f_from');
      params.f_from = filter.from;
    }
    if (filter?.to) {
      parts.push('d.created_at < :f_to');
      params.f_to = filter.to;
    }
    return this.page(
      DecisionAuditEntity,
      'd',
      raiVisibility(this.principal, 'd', { executionUser: true }),
      parts,
      params,
    ).then((query) =>
      paginate(
        query,
        args,
        newestFirst<DecisionAuditRow>('d', 'created_at', (r) => r.createdAt),
      ),
    );
  }

  listBiasDetections(args: ConnectionArgs, filter?: BiasDetectionFilter | null): Promise<Connection<BiasDetectionRow>> {
    const parts: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter?.agentId) {
      parts.push('b.agent_id = :f_agent');
      params.f_agent = filter.agentId;
    }
    if (filter?.status) {
      parts.push('b.status = :f_status');
      params.f_status = filter.status;
    }
    if (filter?.severity) {
      parts.push('b.severity = :f_severity');
      params.f_severity = filter.severity;
    }
    return this.page(BiasDetectionEntity, 'b', raiVisibility(this.principal, 'b'), parts, params).then((query) =>
      paginate(
        query,
        args,
        newestFirst<BiasDetectionRow>('b', 'detected_at', (r) => r.detectedAt),
      ),
    );
  }

  listFairnessMetrics(
    args: ConnectionArgs,
    filter?: FairnessMetricFilter | null,
  ): Promise<Connection<FairnessMetricRow>> {
    const parts: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter?.agentId) {
      parts.push('f.agent_id = :f_agent');
      params.f_agent = filter.agentId;
    }
    if (filter?.metricName) {
      parts.push('f.metric_name = :f_metric');
      params.f_metric = filter.metricName;
    }
    if (filter?.from) {
      parts.push('f.period_start >= :f_from');
      params.f_from = filter.from;
    }
    if (filter?.to) {
      parts.push('f.period_start < :f_to');
      params.f_to = filter.to;
    }
    return this.page(FairnessMetricEntity, 'f', raiVisibility(this.principal, 'f'), parts, params).then((query) =>
      paginate(query, args, [
        { column: 'f.period_start', direction: 'ASC', value: (r: FairnessMetricRow) => r.periodStart.toISOString() },
        { column: 'f.id', direction: 'ASC', value: (r: FairnessMetricRow) => r.id },
      ]),
    );
  }

  listEthicsReports(args: ConnectionArgs, filter?: EthicsReportFilter | null): Promise<Connection<EthicsReportRow>> {
    const parts: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter?.agentId) {
      parts.push('r.agent_id = :f_agent');
      params.f_agent = filter.agentId;
    }
    if (filter?.status) {
      parts.push('r.status = :f_status');
      params.f_status = filter.status;
    }
    return this.page(EthicsReportEntity, 'r', raiVisibility(this.principal, 'r'), parts, params).then((query) =>
      paginate(
        query,
        args,
        newestFirst<EthicsReportRow>('r', 'created_at', (row) => row.createdAt),
      ),
    );
  }

  /** null when absent or not visible (also for the `EthicsReport` entity reference). */
  ethicsReport(id: string): Promise<EthicsReportRow | null> {
    if (typeof id !== 'string' || id.length > 36) return Promise.resolve(null);
    return this.scope.raiLoaders.visibleEthicsReportById.load(id);
  }

  // ---- decision audits ---------------------------------------------------------------------

  async recordDecisionAudit(input: RecordDecisionAuditInput): Promise<DecisionAuditRow> {
    const executionId = text(input.executionId, 'input.executionId', { max: 64 });
    const values = {
      decision_type: text(input.decisionType, 'input.decisionType', { max: 100 }),
      decision: text(input.decision, 'input.decision', { max: 500 }),
      confidence: unit(input.confidence, 'input.confidence'),
      explanation: optionalText(input.explanation, 'input.explanation', { max: 10_000 }),
      factors: JSON.stringify(jsonObject(input.factors, 'input.factors')),
      model_version: optionalText(input.modelVersion, 'input.modelVersion', { max: 100 }),
      review_status: input.requiresHumanReview ? 'pending' : 'not_required',
    };
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `INSERT INTO ${RAI_TABLES.decision} (agent_id, execution_id, decision_type, decision, confidence, explanation, factors, model_version, review_status)
       SELECT x.agent_id, x.id, :decision_type, :decision, :confidence, :explanation, CAST(:factors AS jsonb), :model_version, :review_status
         FROM ${T.execution} x WHERE x.id = :execution AND x.status <> 'running'
       RETURNING *`,
      { ...values, execution: executionId },
    );
    if (rows.length === 0) throw notFound('AgentExecution', executionId);
    return rowsAsEntities<DecisionAuditRow>(this.dataSource, DecisionAuditEntity, rows)[0]!;
  }

  async reviewDecision(id: string, input: ReviewDecisionInput): Promise<DecisionAuditRow> {
    const overridden =
      input.outcome === 'overridden'
        ? text(input.overriddenDecision ?? '', 'input.overriddenDecision', { max: 500 })
        : null;
    if (input.outcome === 'approved' && input.overriddenDecision)
      throw badUserInput('input.overriddenDecision is only for OVERRIDDEN', 'input.overriddenDecision');
    const notes = optionalText(input.notes, 'input.notes', { max: 5000 });
    const current = await this.byIntId<DecisionAuditRow>(
      RAI_TABLES.decision,
      DecisionAuditEntity,
      id,
      'AiDecisionAudit',
    );
    if (current.reviewStatus !== 'pending')
      throw conflict(`Decision ${id} is not pending review (${current.reviewStatus})`);
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `WITH changed AS (UPDATE ${RAI_TABLES.decision} SET review_status = :outcome, overridden_decision = :overridden,
         review_notes = :notes, reviewed_by = :actor, reviewed_at = greatest(now(), created_at)
       WHERE id = :id AND review_status = 'pending' RETURNING *) SELECT * FROM changed`,
      { outcome: input.outcome, overridden, notes, actor: this.actor, id: current.id },
    );
    if (rows.length === 0) throw conflict(`Decision ${id} was reviewed meanwhile`);
    return rowsAsEntities<DecisionAuditRow>(this.dataSource, DecisionAuditEntity, rows)[0]!;
  }

  // ---- bias detections ---------------------------------------------------------------------

  async recordBiasDetection(input: RecordBiasDetectionInput): Promise<BiasDetectionRow> {
    const agentId = await this.requireAgent(input.agentId, 'input.agentId');
    const executionId = optionalText(input.executionId, 'input.executionId', { max: 64 });
    if (executionId !== null) {
      const [found] = await runNamed<{ agent_id: string }>(
        this.dataSource,
        `SELECT agent_id FROM ${T.execution} WHERE id = :id`,
        { id: executionId },
      );
      if (!found) throw notFound('AgentExecution', executionId);
      if (found.agent_id !== agentId)
        throw badUserInput(`Execution ${executionId} is not one of agent ${agentId}`, 'input.executionId');
    }
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `INSERT INTO ${RAI_TABLES.bias} (agent_id, execution_id, bias_type, protected_attribute, severity, bias_score, threshold, details)
       VALUES (:agent, :execution, :bias_type, :attribute, :severity, :score, :threshold, CAST(:details AS jsonb)) RETURNING *`,
      {
        agent: agentId,
        execution: executionId,
        bias_type: text(input.biasType, 'input.biasType', {
          max: 50,
          pattern: LOWER_SNAKE,
          patternHint: 'must be lower_snake_case',
        }),
        attribute: optionalText(input.protectedAttribute, 'input.protectedAttribute', { max: 100 }),
        severity: input.severity,
        score: unit(input.biasScore, 'input.biasScore'),
        threshold: unit(input.threshold, 'input.threshold'),
        details: JSON.stringify(jsonObject(input.details, 'input.details')),
      },
    );
    return rowsAsEntities<BiasDetectionRow>(this.dataSource, BiasDetectionEntity, rows)[0]!;
  }

  async resolveBiasDetection(id: string, input: ResolveBiasDetectionInput): Promise<BiasDetectionRow> {
    if (input.status === 'open') throw badUserInput('input.status must close the detection', 'input.status');
    const mitigation = optionalText(input.mitigation, 'input.mitigation', { max: 5000 });
    const current = await this.byIntId<BiasDetectionRow>(RAI_TABLES.bias, BiasDetectionEntity, id, 'BiasDetection');
    if (current.status !== 'open') throw conflict(`Bias detection ${id} is already ${current.status}`);
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `WITH changed AS (UPDATE ${RAI_TABLES.bias} SET status = :status, mitigation = coalesce(:mitigation, mitigation),
         resolved_by = :actor, resolved_at = greatest(now(), detected_at)
       WHERE id = :id AND status = 'open' RETURNING *) SELECT * FROM changed`,
      { status: input.status, mitigation, actor: this.actor, id: current.id },
    );
    if (rows.length === 0) throw conflict(`Bias detection ${id} was resolved meanwhile`);
    return rowsAsEntities<BiasDetectionRow>(this.dataSource, BiasDetectionEntity, rows)[0]!;
  }

  // ---- fairness metrics --------------------------------------------------------------------

  async recordFairnessMetrics(input: RecordFairnessMetricsInput): Promise<FairnessMetricRow[]> {
    const agentId = await this.requireAgent(input.agentId, 'input.agentId');
    if (!(input.periodEnd.getTime() > input.periodStart.getTime()))
      throw badUserInput('input.periodEnd must be after periodStart', 'input.periodEnd');
    if (input.metrics.length < 1 || input.metrics.length > MAX_FAIRNESS_BATCH)
      throw badUserInput(`input.metrics must hold 1 to ${MAX_FAIRNESS_BATCH} metrics`, 'input.metrics');
    const seen = new Set<string>();
    const metrics = input.metrics.map((m, i) => {
      const at = `input.metrics[${i}]`;
      const row = {
        metric_name: text(m.metricName, `${at}.metricName`, {
          max: 100,
          pattern: LOWER_SNAKE,
          patternHint: 'must be lower_snake_case',
        }),
        protected_attribute: text(m.protectedAttribute, `${at}.protectedAttribute`, { max: 100 }),
        privileged_group: optionalText(m.privilegedGroup, `${at}.privilegedGroup`, { max: 100 }),
        unprivileged_group: optionalText(m.unprivilegedGroup, `${at}.unprivilegedGroup`, { max: 100 }),
        value: finite(m.value, `${at}.value`),
        threshold: m.threshold === null || m.threshold === undefined ? null : finite(m.threshold, `${at}.threshold`),
        passed: m.passed,
        sample_size: m.sampleSize,
      };
      if (!Number.isInteger(m.sampleSize) || m.sampleSize < 0)
        throw badUserInput(`${at}.sampleSize must be at least 0`, `${at}.sampleSize`);
      const key = `${row.metric_name}|${row.protected_attribute}`;
      if (seen.has(key)) throw badUserInput(`${at} repeats ${key} in one period`, `${at}.metricName`);
      seen.add(key);
      return row;
    });
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `INSERT INTO ${RAI_TABLES.fairness} AS f (agent_id, metric_name, protected_attribute, privileged_group, unprivileged_group,
         value, threshold, passed, sample_size, period_start, period_end)
       SELECT :agent, metric_name, protected_attribute, privileged_group, unprivileged_group, value, threshold, passed,
              sample_size, :start, :end
         FROM jsonb_to_recordset(CAST(:metrics AS jsonb)) AS m(metric_name varchar, protected_attribute varchar,
              privileged_group varchar, unprivileged_group varchar, value double precision, threshold double precision,
              passed boolean, sample_size integer)
       ON CONFLICT (agent_id, metric_name, protected_attribute, period_start, period_end) DO UPDATE SET
         privileged_group = EXCLUDED.privileged_group, unprivileged_group = EXCLUDED.unprivileged_group,
         value = EXCLUDED.value, threshold = EXCLUDED.threshold, passed = EXCLUDED.passed,
         sample_size = EXCLUDED.sample_size, computed_at = now()
       RETURNING *`,
      { agent: agentId, start: input.periodStart, end: input.periodEnd, metrics: JSON.stringify(metrics) },
    );
    return rowsAsEntities<FairnessMetricRow>(this.dataSource, FairnessMetricEntity, rows).sort(
      (a, b) => a.metricName.localeCompare(b.metricName) || a.protectedAttribute.localeCompare(b.protectedAttribute),
    );
  }

  // ---- ethics reports ----------------------------------------------------------------------

  async createEthicsReport(input: CreateEthicsReportInput): Promise<EthicsReportRow> {
    const agentId = await this.requireAgent(input.agentId, 'input.agentId');
    const findings = input.findings ?? [];
    if (!Array.isArray(findings)) throw badUserInput('input.findings must be a JSON array', 'input.findings');
    jsonSize(findings, 'input.findings');
    if (input.periodStart && input.periodEnd && !(input.periodEnd.getTime() > input.periodStart.getTime()))
      throw badUserInput('input.periodEnd must be after periodStart', 'input.periodEnd');
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `INSERT INTO ${RAI_TABLES.ethics} (id, agent_id, title, summary, findings, recommendations, risk_level, period_start, period_end, created_by)
       VALUES (:id, :agent, :title, :summary, CAST(:findings AS jsonb), :recommendations, :risk, :start, :end, :actor) RETURNING *`,
      {
        id: randomUUID(),
        agent: agentId,
        title: text(input.title, 'input.title', { max: 300 }),
        summary: optionalText(input.summary, 'input.summary', { max: 20_000 }),
        findings: JSON.stringify(findings),
        recommendations: optionalText(input.recommendations, 'input.recommendations', { max: 20_000 }),
        risk: input.riskLevel,
        start: input.periodStart ?? null,
        end: input.periodEnd ?? null,
        actor: this.actor,
      },
    );
    return rowsAsEntities<EthicsReportRow>(this.dataSource, EthicsReportEntity, rows)[0]!;
  }

  async submitEthicsReport(id: string): Promise<EthicsReportRow> {
    const report = await this.requireReport(id);
    if (report.status !== 'draft') throw conflict(`Ethics report ${id} is ${report.status}, not a draft`);
    return this.transitionReport(report.id, 'draft', `status = 'in_review', submitted_at = now()`, {});
  }

  async reviewEthicsReport(id: string, input: ReviewEthicsReportInput): Promise<EthicsReportRow> {
    if (input.decision !== 'approved' && input.decision !== 'rejected')
      throw badUserInput('input.decision must be APPROVED or REJECTED', 'input.decision');
    const notes = optionalText(input.notes, 'input.notes', { max: 5000 });
    const report = await this.requireReport(id);
    if (report.status !== 'in_review') throw conflict(`Ethics report ${id} is ${report.status}, not in review`);
    if (report.createdBy === this.actor) throw forbidden('The author of a report does not review it');
    return this.transitionReport(
      report.id,
      'in_review',
      `status = :decision, reviewed_by = :actor, reviewed_at = now(), review_notes = :notes`,
      { decision: input.decision, actor: this.actor, notes },
    );
  }

  // ---- helpers -----------------------------------------------------------------------------

  private async page<T extends ObjectLiteral>(
    entity: EntitySchema<T>,
    alias: string,
    visibility: SqlCondition,
    parts: string[],
    params: Record<string, unknown>,
  ) {
    const condition = and(visibility, { sql: parts.length ? parts.join(' AND ') : 'TRUE', params });
    return this.dataSource.getRepository(entity).createQueryBuilder(alias).where(condition.sql, condition.params);
  }

  /** For writes by admins and the scheduler: the agent must exist (active or not). */
  private async requireAgent(id: string, field: string): Promise<string> {
    const agentId = text(id, field, { max: 64 });
    const agent = await this.scope.loaders.agentById.load(agentId);
    if (!agent) throw notFound('Agent', agentId);
    return agent.id;
  }

  private async byIntId<R>(
    table: string,
    entity: EntitySchema<ObjectLiteral>,
    id: string,
    resource: string,
  ): Promise<R> {
    if (!/^[1-9][0-9]{0,17}$/.test(id)) throw notFound(resource, id);
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `SELECT * FROM ${table} WHERE id = :id FOR UPDATE`,
      {
        id,
      },
    );
    const [row] = rowsAsEntities<R & ObjectLiteral>(this.dataSource, entity, rows);
    if (!row) throw notFound(resource, id);
    return row;
  }

  private async requireReport(id: string): Promise<EthicsReportRow> {
    const report = await this.ethicsReport(id);
    if (!report) throw notFound('EthicsReport', id);
    return report;
  }

  private async transitionReport(
    id: string,
    from: string,
    assignments: string,
    params: Record<string, unknown>,
  ): Promise<EthicsReportRow> {
    const rows = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `WITH changed AS (UPDATE ${RAI_TABLES.ethics} SET ${assignments}, updated_at = now() WHERE id = :id AND status = :from RETURNING *) SELECT * FROM changed`,
      { ...params, id, from },
    );
    if (rows.length === 0) throw conflict(`Ethics report ${id} changed meanwhile`);
    this.scope.raiLoaders.visibleEthicsReportById.clear(id);
    return rowsAsEntities<EthicsReportRow>(this.dataSource, EthicsReportEntity, rows)[0]!;
  }
}
