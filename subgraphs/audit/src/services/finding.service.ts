import {
  badUserInput,
  optionalText,
  orNotFound,
  paginate,
  parseIntId,
  requireAdmin,
  requireService,
  runNamed,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { AuditScope } from '../context';
import {
  DataValidationIssueEntity,
  NetworkFlowEntity,
  SecurityIncidentEntity,
  type DataValidationIssueRow,
  type NetworkFlowRow,
  type SecurityIncidentRow,
} from '../entities';
import { ConditionBuilder } from './filters';
import { batch, instant, ip, json, LONG, NAME, nonNegativeInt, requireAuditReader, SHORT } from './input';

const SEVERITIES = new Set(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const INCIDENT_STATUSES = new Set(['OPEN', 'INVESTIGATING', 'CONTAINED', 'RESOLVED']);

export interface CreateSecurityIncidentInput {
  title: string;
  description?: string | null;
  severity: string;
  incidentType?: string | null;
  securityEventIds?: string[] | null;
  assignedTo?: string | null;
}

/** An analyst's verdict on a finding: resolved with notes, maybe a false positive. */
export interface ResolveFindingInput {
  id: string;
  notes?: string | null;
  falsePositive: boolean;
}

export interface NetworkFlowInput {
  occurredAt?: Date | null;
  sourceIp: string;
  destinationIp: string;
  sourcePort?: number | null;
  destinationPort?: number | null;
  protocol: string;
  bytesTransferred?: number | null;
  packets?: number | null;
  durationMs?: number | null;
  isSuspicious?: boolean | null;
  threatIndicators?: Record<string, unknown> | null;
}

export interface DataValidationIssueInput {
  occurredAt?: Date | null;
  source: string;
  tableName?: string | null;
  recordId?: string | null;
  validationType: string;
  severity: string;
  message: string;
  details?: Record<string, unknown> | null;
}

export interface FindingFilter {
  severity?: string | null;
  status?: string | null;
  resolved?: boolean | null;
  suspicious?: boolean | null;
  sourceIp?: string | null;
  from?: Date | null;
  to?: Date | null;
}

function severity(value: string, field: string): string {
  const s = value.toUpperCase();
  if (!SEVERITIES.has(s)) throw badUserInput(`${field} must be LOW, MEDIUM, HIGH or CRITICAL`, field);
  return s;
}

function port(value: number | null | undefined, field: string): number | null {
  const n = nonNegativeInt(value, field);
  if (n !== null && n > 65535) throw badUserInput(`${field} must be 0..65535`, field);
  return n;
}

interface AffectedResource {
  kind: 'user' | 'ip' | 'resource';
  value: string;
}

/** Security incidents, network flows and data-validation issues: stored, listed for admins and auditors, resolved by admins. */
export class FindingService extends ScopedService<AuditScope> {
  /** Only those who may read findings record verdicts on them: the payload is the finding. */
  private requireResolver(): void {
    requireAdmin(this.principal);
  }

  async createIncident(input: CreateSecurityIncidentInput): Promise<SecurityIncidentRow> {
    this.requireResolver();
    const eventIds = (input.securityEventIds ?? []).map((id, i) => {
      const n = parseIntId(id);
      if (n === null) throw badUserInput(`securityEventIds[${i}] is not an id`, 'input.securityEventIds');
      return String(n);
    });
    if (eventIds.length > 1000) throw badUserInput('At most 1000 events', 'input.securityEventIds');
    const affectedResources = await this.resourcesOfEvents(eventIds);
    const repo = this.dataSource.getRepository(SecurityIncidentEntity);
    const saved = await repo.save({
      title: text(input.title, 'input.title', LONG),
      description: optionalText(input.description, 'input.description', { max: 20_000 }),
      severity: severity(input.severity, 'input.severity'),
      status: 'OPEN',
      incidentType: optionalText(input.incidentType, 'input.incidentType', { max: 50 }),
      affectedResources,
      securityEventIds: eventIds,
      assignedTo: optionalText(input.assignedTo, 'input.assignedTo', NAME),
      falsePositive: false,
      detectedAt: new Date(),
    });
    return repo.findOneByOrFail({ id: saved.id });
  }

  /**
   * What the grouped events touched: the distinct users, source addresses and targets, so an
   * incident says what it is about without opening every event. Unknown ids are refused.
   */
  private async resourcesOfEvents(eventIds: readonly string[]): Promise<AffectedResource[]> {
    if (eventIds.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT id::text AS id, username, host(source_ip) AS source_ip, target_resource
         FROM audit.security_events WHERE id = ANY($1::bigint[])`,
      [eventIds],
    )) as { id: string; username: string | null; source_ip: string | null; target_resource: string | null }[];
    const found = new Set(rows.map((r) => r.id));
    const missing = eventIds.filter((id) => !found.has(id));
    if (missing.length) {
      throw badUserInput(`Unknown security events: ${missing.slice(0, 10).join(', ')}`, 'input.securityEventIds');
    }
    const resources = new Map<string, AffectedResource>();
    const add = (kind: AffectedResource['kind'], value: string | null): void => {
      if (value) resources.set(`${kind}:${value}`, { kind, value });
    };
    for (const row of rows) {
      add('user', row.username);
      add('ip', row.source_ip);
      add('resource', row.target_resource);
    }
    return [...resources.values()];
  }

  async resolveIncident(input: ResolveFindingInput & { status?: string | null }): Promise<SecurityIncidentRow> {
    const status = (input.status ?? 'RESOLVED').toUpperCase();
    if (!INCIDENT_STATUSES.has(status)) throw badUserInput('input.status is unknown', 'input.status');
    const extra = status === 'RESOLVED' ? ', resolved_at = now(), resolved_by = :by' : '';
    await this.verdict('security_incidents', input, `status = :status${extra}`, { status });
    return this.dataSource.getRepository(SecurityIncidentEntity).findOneByOrFail({ id: String(input.id) });
  }

  async reviewFlow(input: ResolveFindingInput): Promise<NetworkFlowRow> {
    await this.verdict('network_traffic', input, 'reviewed_at = now(), reviewed_by = :by', {});
    return this.dataSource.getRepository(NetworkFlowEntity).findOneByOrFail({ id: String(input.id) });
  }

  async resolveValidationIssue(input: ResolveFindingInput): Promise<DataValidationIssueRow> {
    await this.verdict('data_validation_log', input, 'is_resolved = true, resolved_at = now(), resolved_by = :by', {});
    return this.dataSource.getRepository(DataValidationIssueEntity).findOneByOrFail({ id: String(input.id) });
  }

  /** One UPDATE recording the analyst's notes and verdict; NOT_FOUND when there is no such row. */
  private async verdict(
    table: string,
    input: ResolveFindingInput,
    assignments: string,
    params: Record<string, unknown>,
  ): Promise<void> {
    this.requireResolver();
    const notes = optionalText(input.notes, 'input.notes', { max: 10_000 });
    const id = parseIntId(input.id);
    const rows =
      id === null
        ? []
        : await runNamed<{ id: string }>(
            this.dataSource,
            // A CTE, because TypeORM returns [rows, count] for a bare UPDATE ... RETURNING.
            `WITH changed AS (UPDATE audit.${table} SET false_positive = :fp, analyst_notes = :notes, ${assignments}
             WHERE id = :id RETURNING id) SELECT id FROM changed`,
            { ...params, fp: input.falsePositive, notes, by: this.principal.username ?? 'unknown', id },
          );
    orNotFound(rows[0] ?? null, table, input.id);
  }

  async recordFlows(entries: readonly NetworkFlowInput[]): Promise<number> {
    requireService(this.principal);
    const rows = batch(entries).map((e, i) => {
      const f = (name: string): string => `entries[${i}].${name}`;
      const source = ip(e.sourceIp, f('sourceIp'));
      const destination = ip(e.destinationIp, f('destinationIp'));
      if (!source || !destination) throw badUserInput(`${f('sourceIp')} and destinationIp are required`, f('sourceIp'));
      return {
        created_at: instant(e.occurredAt, f('occurredAt')),
        source_ip: source,
        destination_ip: destination,
        source_port: port(e.sourcePort, f('sourcePort')),
        destination_port: port(e.destinationPort, f('destinationPort')),
        protocol: text(e.protocol, f('protocol'), { max: 20 }),
        bytes_transferred: nonNegativeInt(e.bytesTransferred, f('bytesTransferred')) ?? 0,
        packets: nonNegativeInt(e.packets, f('packets')) ?? 0,
        duration_ms: nonNegativeInt(e.durationMs, f('durationMs')),
        is_suspicious: e.isSuspicious ?? false,
        threat_indicators: json(e.threatIndicators, f('threatIndicators')),
      };
    });
    const stored = (await this.dataSource.query(
      `INSERT INTO audit.network_traffic (created_at, source_ip, destination_ip, source_port, destination_port,
         protocol, bytes_transferred, packets, duration_ms, is_suspicious, threat_indicators)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(created_at timestamptz, source_ip inet, destination_ip inet,
         source_port int, destination_port int, protocol text, bytes_transferred bigint, packets int,
         duration_ms int, is_suspicious boolean, threat_indicators jsonb)
       RETURNING id`,
      [JSON.stringify(rows)],
    )) as unknown[];
    return stored.length;
  }

  async recordValidationIssues(entries: readonly DataValidationIssueInput[]): Promise<number> {
    requireService(this.principal);
    const rows = batch(entries).map((e, i) => {
      const f = (name: string): string => `entries[${i}].${name}`;
      return {
        created_at: instant(e.occurredAt, f('occurredAt')),
        source: text(e.source, f('source'), SHORT),
        table_name: optionalText(e.tableName, f('tableName'), SHORT),
        record_id: optionalText(e.recordId, f('recordId'), LONG),
        validation_type: text(e.validationType, f('validationType'), { max: 50 }),
        severity: severity(e.severity, f('severity')),
        message: text(e.message, f('message'), { max: 10_000 }),
        details: json(e.details, f('details')),
      };
    });
    const stored = (await this.dataSource.query(
      `INSERT INTO audit.data_validation_log (created_at, source, table_name, record_id, validation_type, severity,
         message, details)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(created_at timestamptz, source text, table_name text,
         record_id text, validation_type text, severity text, message text, details jsonb)
       RETURNING id`,
      [JSON.stringify(rows)],
    )) as unknown[];
    return stored.length;
  }

  async listIncidents(args: ConnectionArgs, filter?: FindingFilter | null): Promise<Connection<SecurityIncidentRow>> {
    requireAuditReader(this.principal);
    const c = new ConditionBuilder('i')
      .equals('severity', filter?.severity, 'filter.severity', 20)
      .equals('status', filter?.status, 'filter.status', 20)
      .period('detected_at', filter?.from, filter?.to)
      .build();
    const query = this.dataSource.getRepository(SecurityIncidentEntity).createQueryBuilder('i').where(c.sql, c.params);
    return paginate(query, args, [{ column: 'i.id', direction: 'DESC', value: (r) => r.id }]);
  }

  async listFlows(args: ConnectionArgs, filter?: FindingFilter | null): Promise<Connection<NetworkFlowRow>> {
    requireAuditReader(this.principal);
    const c = new ConditionBuilder('n')
      .equalsValue('is_suspicious', filter?.suspicious)
      .ip('source_ip', filter?.sourceIp, 'filter.sourceIp')
      .period('created_at', filter?.from, filter?.to)
      .build();
    const query = this.dataSource.getRepository(NetworkFlowEntity).createQueryBuilder('n').where(c.sql, c.params);
    return paginate(query, args, [{ column: 'n.id', direction: 'DESC', value: (r) => r.id }]);
  }

  async listValidationIssues(
    args: ConnectionArgs,
    filter?: FindingFilter | null,
  ): Promise<Connection<DataValidationIssueRow>> {
    requireAuditReader(this.principal);
    const c = new ConditionBuilder('d')
      .equals('severity', filter?.severity, 'filter.severity', 20)
      .equalsValue('is_resolved', filter?.resolved)
      .period('created_at', filter?.from, filter?.to)
      .build();
    const query = this.dataSource
      .getRepository(DataValidationIssueEntity)
      .createQueryBuilder('d')
      .where(c.sql, c.params);
    return paginate(query, args, [{ column: 'd.id', direction: 'DESC', value: (r) => r.id }]);
  }
}
