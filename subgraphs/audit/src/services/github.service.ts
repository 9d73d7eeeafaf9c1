import {
  badUserInput,
  conflict,
  isUniqueViolation,
  optionalText,
  orNotFound,
  paginate,
  parseIntId,
  requireAdmin,
  requireService,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { AuditScope } from '../context';
import {
  GithubAuditBaselineEntity,
  GithubAuditCheckExclusionEntity,
  GithubAuditConfigEntity,
  GithubAuditReportEntity,
  type GithubAuditBaselineRow,
  type GithubAuditCheckExclusionRow,
  type GithubAuditConfigRow,
  type GithubAuditReportRow,
} from '../entities';
import { json, LONG, nonNegativeInt, requireAuditReader } from './input';
import { GITHUB_TOKEN_CONTEXT, secretBoxOf } from './stored-secrets';

const CODE = { max: 50, pattern: /^[A-Za-z0-9_-]+$/, patternHint: 'may hold letters, digits, - and _ only' };
const REPORT_STATUSES = new Set(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED']);

export interface GithubAuditConfigInput {
  customerCode: string;
  organization: string;
  /** Required on create; on update, omitted keeps the stored token. */
  token?: string | null;
  filters?: Record<string, unknown> | null;
  notifyOnCritical?: boolean | null;
  minimumScoreThreshold?: number | null;
  enabled?: boolean | null;
}

export interface GithubAuditCheckExclusionInput {
  configId?: string | null;
  customerCode: string;
  checkId: string;
  resourceType?: string | null;
  resourceName?: string | null;
  reason: string;
  expiresAt?: Date | null;
}

export interface GithubAuditBaselineInput {
  configId: string;
  name: string;
  description?: string | null;
  expectedChecks: unknown;
  baselineReportId?: string | null;
}

export interface GithubAuditReportInput {
  configId: string;
  status: string;
  totalChecks: number;
  passedChecks: number;
  failedChecks: number;
  criticalFindings: number;
  score?: number | null;
  summary?: Record<string, unknown> | null;
  findings?: unknown;
}

function intId(id: string | null | undefined, field: string): number | null {
  if (id === null || id === undefined) return null;
  const n = parseIntId(id);
  if (n === null) throw badUserInput(`${field} is not an id`, field);
  return n;
}

/** GitHub organisation audits: configs (token write-only), reports, check exclusions and baselines. */
export class GithubAuditService extends ScopedService<AuditScope> {
  configs(customerCode?: string | null): Promise<GithubAuditConfigRow[]> {
    requireAuditReader(this.principal);
    const code = optionalText(customerCode, 'customerCode', CODE);
    return this.dataSource
      .getRepository(GithubAuditConfigEntity)
      .find({ where: code ? { customerCode: code } : {}, order: { id: 'ASC' } });
  }

  async saveConfig(id: string | null, input: GithubAuditConfigInput): Promise<GithubAuditConfigRow> {
    requireAdmin(this.principal);
    const threshold = nonNegativeInt(input.minimumScoreThreshold, 'input.minimumScoreThreshold');
    if (threshold !== null && threshold > 100) throw badUserInput('Must be 0..100', 'input.minimumScoreThreshold');
    const token = optionalText(input.token, 'input.token', { max: 1000 });
    const repo = this.dataSource.getRepository(GithubAuditConfigEntity);
    const existing = id === null ? null : await this.requireConfig(id);
    if (!existing && token === null) throw badUserInput('input.token is required', 'input.token');
    const row = {
      customerCode: text(input.customerCode, 'input.customerCode', CODE),
      organization: text(input.organization, 'input.organization', LONG),
      filters: json(input.filters, 'input.filters') ?? {},
      notifyOnCritical: input.notifyOnCritical ?? true,
      minimumScoreThreshold: threshold ?? 0,
      enabled: input.enabled ?? true,
      // Sealed at rest (AES-256-GCM, key id in the value); never read back through the API.
      ...(token !== null ? { githubToken: secretBoxOf(this.scope.deps.config).seal(token, GITHUB_TOKEN_CONTEXT) } : {}),
    };
    try {
      const saved = await repo.save(existing ? { ...row, id: existing.id } : row);
      return repo.findOneByOrFail({ id: saved.id });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`${row.organization} is configured for ${row.customerCode} already`);
      throw error;
    }
  }

  async deleteConfig(id: string): Promise<boolean> {
    requireAdmin(this.principal);
    const found = await this.requireConfig(id);
    await this.dataSource.getRepository(GithubAuditConfigEntity).delete({ id: found.id });
    return true;
  }

  async reports(args: ConnectionArgs, configId: string): Promise<Connection<GithubAuditReportRow>> {
    requireAuditReader(this.principal);
    const id = intId(configId, 'configId');
    const query = this.dataSource
      .getRepository(GithubAuditReportEntity)
      .createQueryBuilder('r')
      .where('r.config_id = :configId', { configId: id });
    return paginate(query, args, [{ column: 'r.id', direction: 'DESC', value: (r) => r.id }]);
  }

  async recordReport(input: GithubAuditReportInput): Promise<GithubAuditReportRow> {
    requireService(this.principal);
    const config = await this.requireConfig(input.configId);
    const status = input.status.toUpperCase();
    if (!REPORT_STATUSES.has(status)) throw badUserInput('input.status is unknown', 'input.status');
    const score = nonNegativeInt(input.score, 'input.score');
    if (score !== null && score > 100) throw badUserInput('input.score must be 0..100', 'input.score');
    const repo = this.dataSource.getRepository(GithubAuditReportEntity);
    const saved = await repo.save({
      configId: config.id,
      organization: config.organization,
      status,
      totalChecks: nonNegativeInt(input.totalChecks, 'input.totalChecks') ?? 0,
      passedChecks: nonNegativeInt(input.passedChecks, 'input.passedChecks') ?? 0,
      failedChecks: nonNegativeInt(input.failedChecks, 'input.failedChecks') ?? 0,
      criticalFindings: nonNegativeInt(input.criticalFindings, 'input.criticalFindings') ?? 0,
      score,
      summary: json(input.summary, 'input.summary'),
      findings: json(input.findings, 'input.findings'),
      completedAt: status === 'COMPLETED' || status === 'FAILED' ? new Date() : null,
    });
    return repo.findOneByOrFail({ id: saved.id });
  }

  exclusions(customerCode?: string | null): Promise<GithubAuditCheckExclusionRow[]> {
    requireAuditReader(this.principal);
    const code = optionalText(customerCode, 'customerCode', CODE);
    return this.dataSource
      .getRepository(GithubAuditCheckExclusionEntity)
      .find({ where: code ? { customerCode: code } : {}, order: { id: 'ASC' } });
  }

  async addExclusion(input: GithubAuditCheckExclusionInput): Promise<GithubAuditCheckExclusionRow> {
    requireAdmin(this.principal);
    const configId = input.configId ? (await this.requireConfig(input.configId)).id : null;
    const repo = this.dataSource.getRepository(GithubAuditCheckExclusionEntity);
    const saved = await repo.save({
      configId,
      customerCode: text(input.customerCode, 'input.customerCode', CODE),
      checkId: text(input.checkId, 'input.checkId', { max: 100 }),
      resourceType: optionalText(input.resourceType, 'input.resourceType', { max: 50 }),
      resourceName: optionalText(input.resourceName, 'input.resourceName', LONG),
      reason: text(input.reason, 'input.reason', { max: 5000 }),
      approvedBy: this.principal.username,
      expiresAt: input.expiresAt ?? null,
      enabled: true,
    });
    return repo.findOneByOrFail({ id: saved.id });
  }

  baselines(configId: string): Promise<GithubAuditBaselineRow[]> {
    requireAuditReader(this.principal);
    const id = intId(configId, 'configId') ?? 0;
    return this.dataSource
      .getRepository(GithubAuditBaselineEntity)
      .find({ where: { configId: id }, order: { id: 'ASC' } });
  }

  async addBaseline(input: GithubAuditBaselineInput): Promise<GithubAuditBaselineRow> {
    requireAdmin(this.principal);
    const config = await this.requireConfig(input.configId);
    const repo = this.dataSource.getRepository(GithubAuditBaselineEntity);
    // An unknown baselineReportId is the foreign key's to refuse (BAD_USER_INPUT naming it, runAudited).
    const saved = await repo.save({
      configId: config.id,
      customerCode: config.customerCode,
      name: text(input.name, 'input.name', LONG),
      description: optionalText(input.description, 'input.description', { max: 5000 }),
      expectedChecks: json(input.expectedChecks, 'input.expectedChecks') ?? [],
      baselineReportId: intId(input.baselineReportId, 'input.baselineReportId'),
      isActive: true,
    });
    return repo.findOneByOrFail({ id: saved.id });
  }

  private async requireConfig(id: string): Promise<GithubAuditConfigRow> {
    const n = parseIntId(id);
    const row = n === null ? null : await this.dataSource.getRepository(GithubAuditConfigEntity).findOneBy({ id: n });
    return orNotFound(row, 'GithubAuditConfig', id);
  }
}
