import {
  badUserInput,
  orNotFound,
  paginate,
  parseIntId,
  requireAdmin,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { AuditScope } from '../context';
import { ComplianceReportEntity, type ComplianceReportRow } from '../entities';
import { digest } from './canonical';
import { ConditionBuilder } from './filters';
import { requireAuditReader } from './input';

export interface GenerateComplianceReportInput {
  reportType: string;
  from: Date;
  to: Date;
}

type Counts = Record<string, number>;
const MAX_PERIOD_DAYS = 366;

/** Compliance reports: counts over a period, stored with a hash so later tampering shows. */
export class ComplianceService extends ScopedService<AuditScope> {
  async generate(input: GenerateComplianceReportInput): Promise<ComplianceReportRow> {
    requireAdmin(this.principal);
    const reportType = text(input.reportType, 'input.reportType', { max: 50 });
    const { from, to } = input;
    if (to.getTime() <= from.getTime()) throw badUserInput('input.to must be after input.from', 'input.to');
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000) {
      throw badUserInput(`The period spans at most ${MAX_PERIOD_DAYS} days`, 'input.to');
    }
    const counts = async (table: string, column: string, extra = 'TRUE'): Promise<Counts> => {
      const rows = (await this.dataSource.query(
        `SELECT ${column} AS key, count(*)::int AS n FROM audit.${table}
         WHERE created_at >= $1 AND created_at < $2 AND ${extra} GROUP BY 1 ORDER BY 1`,
        [from, to],
      )) as { key: string | null; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.key ?? '(none)', r.n]));
    };
    const sum = (c: Counts): number => Object.values(c).reduce((a, b) => a + b, 0);
    const byAction = await counts('audit_logs', 'action');
    const authByType = await counts('auth_audit_log', `event_type || ':' || event_status`);
    const securityBySeverity = await counts('security_events', 'severity_level');
    const reportData = {
      reportType,
      periodStart: from.toISOString(),
      periodEnd: to.toISOString(),
      auditEntries: {
        total: sum(byAction),
        byAction,
        byActor: await counts('audit_logs', 'actor'),
        byResourceType: await counts('audit_logs', 'resource_type'),
        failures: sum(await counts('audit_logs', 'status', `status = 'failure'`)),
      },
      authEvents: { total: sum(authByType), byTypeAndStatus: authByType },
      failedLogins: authByType['LOGIN:FAILURE'] ?? 0,
      securityEvents: { total: sum(securityBySeverity), bySeverity: securityBySeverity },
    };
    const repo = this.dataSource.getRepository(ComplianceReportEntity);
    const saved = await repo.save({
      reportType,
      periodStart: from,
      periodEnd: to,
      totalRecords: reportData.auditEntries.total + reportData.authEvents.total,
      reportData,
      reportHash: digest(reportData),
      generatedBy: this.principal.username,
    });
    return repo.findOneByOrFail({ id: saved.id });
  }

  async list(args: ConnectionArgs, reportType?: string | null): Promise<Connection<ComplianceReportRow>> {
    requireAuditReader(this.principal);
    const condition = new ConditionBuilder('r').equals('report_type', reportType, 'reportType', 50).build();
    const query = this.dataSource
      .getRepository(ComplianceReportEntity)
      .createQueryBuilder('r')
      .where(condition.sql, condition.params);
    return paginate(query, args, [{ column: 'r.id', direction: 'DESC', value: (r) => r.id }]);
  }

  async byId(id: string): Promise<ComplianceReportRow | null> {
    requireAuditReader(this.principal);
    const n = parseIntId(id);
    return n === null ? null : this.dataSource.getRepository(ComplianceReportEntity).findOneBy({ id: n });
  }

  /** Recomputes the hash over the stored report data. */
  async verify(id: string): Promise<{ valid: boolean; storedHash: string; computedHash: string }> {
    const report = orNotFound(await this.byId(id), 'ComplianceReport', id);
    const computedHash = digest(report.reportData);
    return { valid: computedHash === report.reportHash, storedHash: report.reportHash, computedHash };
  }
}
