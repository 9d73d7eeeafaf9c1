import {
  and,
  badUserInput,
  conflict,
  isUniqueViolation,
  loadByIntId,
  notFound,
  optionalText,
  paginate,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
  type SqlCondition,
} from '@socgraph/shared';
import type { ObjectLiteral, Repository } from 'typeorm';
import type { AgentsContext } from '../context';
import {
  EndpointAgentEntity,
  EndpointArtifactEntity,
  ScaReportEntity,
  VulnerabilityReportEntity,
  type EndpointArtifactRow,
  type ScaReportRow,
  type StoredFile,
  type VulnerabilityReportRow,
} from '../entities';
import { artifactVisibility, endpointVisibility, T } from './visibility';

/**
 * Endpoint agents' vulnerability and SCA reports and collected artefacts (seed 004). Reads
 * follow the endpoint agents' customer scope (a report by its customer, an artefact by its
 * agent's); ingestion is for admins and the service principal (the collectors that generate
 * and upload the files); deletion is the admins'.
 */
export interface StoredFileInput {
  bucketName: string;
  objectKey: string;
  fileName: string;
  contentType?: string | null;
  fileSize: number;
  fileHash: string;
}

interface ReportInputBase {
  reportName: string;
  customerCode: string;
  agentId?: string | null;
  file: StoredFileInput;
  generatedAt?: Date | null;
  status?: string | null;
  errorMessage?: string | null;
}

export interface RecordVulnerabilityReportInput extends ReportInputBase {
  severityFilter?: string | null;
  totalVulnerabilities: number;
  criticalCount?: number | null;
  highCount?: number | null;
  mediumCount?: number | null;
  lowCount?: number | null;
}

export interface RecordScaReportInput extends ReportInputBase {
  policyFilter?: string | null;
  totalPolicies: number;
  totalChecks: number;
  passedCount?: number | null;
  failedCount?: number | null;
  notApplicableCount?: number | null;
  averageScore?: number | null;
}

export interface RecordEndpointArtifactInput {
  agentId: string;
  artifactName: string;
  flowId?: string | null;
  velociraptorId?: string | null;
  file: StoredFileInput;
  status?: string | null;
}

export interface ReportFilter {
  customerCode?: string | null;
  agentId?: string | null;
  status?: string | null;
  generatedAfter?: Date | null;
  generatedBefore?: Date | null;
}

export interface ArtifactFilter {
  agentId?: string | null;
  artifactName?: string | null;
  flowId?: string | null;
  status?: string | null;
}

/** Upper bound of any counter: what fits an integer column. */
const MAX_COUNT = 2_147_483_647;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SHA256 = /^[0-9a-fA-F]{64}$/;
/** Object-store files stay below 5 TiB (S3's limit). */
const MAX_FILE_SIZE = 5 * 1024 ** 4;

function count(value: number | null | undefined, field: string): number {
  if (value === null || value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > MAX_COUNT)
    throw badUserInput(`${field} must be a non-negative integer`, field);
  return value;
}

function storedFile(file: StoredFileInput, field: string): StoredFile {
  const fileSize = file.fileSize;
  if (!Number.isSafeInteger(fileSize) || fileSize < 0 || fileSize > MAX_FILE_SIZE)
    throw badUserInput(`${field}.fileSize must be from 0 to 5 TiB`, `${field}.fileSize`);
  return {
    bucketName: text(file.bucketName, `${field}.bucketName`, {
      max: 63,
      pattern: BUCKET,
      patternHint: 'must be an object-store bucket name (3 to 63 of a-z, 0-9, . and -)',
    }),
    objectKey: text(file.objectKey, `${field}.objectKey`, { max: 1024 }),
    fileName: text(file.fileName, `${field}.fileName`, { max: 255 }),
    contentType: optionalText(file.contentType, `${field}.contentType`, { max: 255 }),
    fileSize,
    fileHash: text(file.fileHash, `${field}.fileHash`, {
      max: 64,
      pattern: SHA256,
      patternHint: 'must be a SHA-256 in hex',
    }).toLowerCase(),
  };
}

const REPORT_STATUSES = ['pending', 'generating', 'completed', 'failed'];

/** Where a report or artefact may go next from each status; finished ones go nowhere. */
const REPORT_FLOW = {
  pending: ['generating', 'completed', 'failed'],
  generating: ['completed', 'failed'],
  completed: [],
  failed: [],
} as const satisfies Record<string, readonly string[]>;
const ARTIFACT_FLOW = {
  pending: ['collecting', 'completed', 'failed'],
  collecting: ['completed', 'failed'],
  completed: [],
  failed: [],
} as const satisfies Record<string, readonly string[]>;

function reportStatus(input: ReportInputBase): { status: string; errorMessage: string | null } {
  const status = input.status ?? 'completed';
  if (!REPORT_STATUSES.includes(status)) throw badUserInput('input.status is not a report status', 'input.status');
  const errorMessage = optionalText(input.errorMessage, 'input.errorMessage', { max: 10_000 });
  if (status === 'failed' && !errorMessage)
    throw badUserInput('A failed report needs input.errorMessage', 'input.errorMessage');
  return { status, errorMessage };
}

function generatedAt(value: Date | null | undefined): Date {
  if (!value) return new Date();
  // A clock a little ahead is tolerated; a report from the future is not.
  if (value.getTime() > Date.now() + 5 * 60_000)
    throw badUserInput('input.generatedAt is in the future', 'input.generatedAt');
  return value;
}

/** The list filter of reports, on alias `r`. */
function reportFilterCondition(filter: ReportFilter | null | undefined, prefix: string): SqlCondition {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter?.customerCode) {
    parts.push(`r.customer_code = :${prefix}_customer`);
    params[`${prefix}_customer`] = text(filter.customerCode, 'filter.customerCode', { max: 50 });
  }
  if (filter?.agentId) {
    parts.push(`r.agent_id = :${prefix}_agent`);
    params[`${prefix}_agent`] = text(filter.agentId, 'filter.agentId', { max: 255 });
  }
  if (filter?.status) {
    parts.push(`r.status = :${prefix}_status`);
    params[`${prefix}_status`] = filter.status;
  }
  if (filter?.generatedAfter) {
    parts.push(`r.generated_at >= :${prefix}_after`);
    params[`${prefix}_after`] = filter.generatedAfter;
  }
  if (filter?.generatedBefore) {
    parts.push(`r.generated_at < :${prefix}_before`);
    params[`${prefix}_before`] = filter.generatedBefore;
  }
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', params };
}

function artifactFilterCondition(filter: ArtifactFilter | null | undefined): SqlCondition {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter?.agentId) {
    parts.push(`d.agent_id = :df_agent`);
    params.df_agent = text(filter.agentId, 'filter.agentId', { max: 255 });
  }
  if (filter?.artifactName) {
    parts.push(`d.artifact_name = :df_artifact`);
    params.df_artifact = text(filter.artifactName, 'filter.artifactName', { max: 255 });
  }
  if (filter?.flowId) {
    parts.push(`d.flow_id = :df_flow`);
    params.df_flow = text(filter.flowId, 'filter.flowId', { max: 255 });
  }
  if (filter?.status) {
    parts.push(`d.status = :df_status`);
    params.df_status = filter.status;
  }
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', params };
}

const newestReports = <R extends { id: number; generatedAt: Date }>() => [
  { column: 'r.generated_at', direction: 'DESC' as const, value: (r: R) => r.generatedAt.toISOString() },
  { column: 'r.id', direction: 'DESC' as const, value: (r: R) => r.id },
];

export class EndpointReportService extends ScopedService<AgentsContext> {
  // ----- reads -----

  vulnerabilityReports(
    args: ConnectionArgs,
    filter?: ReportFilter | null,
  ): Promise<Connection<VulnerabilityReportRow>> {
    return this.listReports(this.dataSource.getRepository(VulnerabilityReportEntity), args, filter);
  }

  scaReports(args: ConnectionArgs, filter?: ReportFilter | null): Promise<Connection<ScaReportRow>> {
    return this.listReports(this.dataSource.getRepository(ScaReportEntity), args, filter);
  }

  vulnerabilityReport(id: string): Promise<VulnerabilityReportRow | null> {
    return loadByIntId(this.scope.loaders.visibleVulnerabilityReportById, id);
  }

  scaReport(id: string): Promise<ScaReportRow | null> {
    return loadByIntId(this.scope.loaders.visibleScaReportById, id);
  }

  artifacts(args: ConnectionArgs, filter?: ArtifactFilter | null): Promise<Connection<EndpointArtifactRow>> {
    const condition = and(artifactVisibility(this.principal, 'd'), artifactFilterCondition(filter));
    const query = this.dataSource
      .getRepository(EndpointArtifactEntity)
      .createQueryBuilder('d')
      .where(condition.sql, condition.params);
    return paginate(query, args, [
      { column: 'd.upload_time', direction: 'DESC', value: (d) => d.uploadTime.toISOString() },
      { column: 'd.id', direction: 'DESC', value: (d) => d.id },
    ]);
  }

  artifact(id: string): Promise<EndpointArtifactRow | null> {
    return loadByIntId(this.scope.loaders.visibleArtifactById, id);
  }

  private listReports<R extends ObjectLiteral & { id: number; generatedAt: Date }>(
    repository: Repository<R>,
    args: ConnectionArgs,
    filter: ReportFilter | null | undefined,
  ): Promise<Connection<R>> {
    const condition = and(endpointVisibility(this.principal, 'r'), reportFilterCondition(filter, 'rf'));
    const query = repository.createQueryBuilder('r').where(condition.sql, condition.params);
    return paginate(query, args, newestReports<R>());
  }

  // ----- ingestion (admins and the service principal, see mutation-access.ts) -----

  async recordVulnerabilityReport(input: RecordVulnerabilityReportInput): Promise<VulnerabilityReportRow> {
    const base = await this.reportBase(input);
    const counts = {
      totalVulnerabilities: count(input.totalVulnerabilities, 'input.totalVulnerabilities'),
      criticalCount: count(input.criticalCount, 'input.criticalCount'),
      highCount: count(input.highCount, 'input.highCount'),
      mediumCount: count(input.mediumCount, 'input.mediumCount'),
      lowCount: count(input.lowCount, 'input.lowCount'),
    };
    if (counts.criticalCount + counts.highCount + counts.mediumCount + counts.lowCount > counts.totalVulnerabilities)
      throw badUserInput(
        'The severity counts add up to more than input.totalVulnerabilities',
        'input.totalVulnerabilities',
      );
    const severityFilter = input.severityFilter ? capitalized(input.severityFilter) : null;
    return this.insertStored(VulnerabilityReportEntity, { ...base, ...counts, severityFilter }, 'VulnerabilityReport');
  }

  async recordScaReport(input: RecordScaReportInput): Promise<ScaReportRow> {
    const base = await this.reportBase(input);
    const counts = {
      totalPolicies: count(input.totalPolicies, 'input.totalPolicies'),
      totalChecks: count(input.totalChecks, 'input.totalChecks'),
      passedCount: count(input.passedCount, 'input.passedCount'),
      failedCount: count(input.failedCount, 'input.failedCount'),
      notApplicableCount: count(input.notApplicableCount, 'input.notApplicableCount'),
    };
    if (counts.passedCount + counts.failedCount + counts.notApplicableCount > counts.totalChecks)
      throw badUserInput('The check counts add up to more than input.totalChecks', 'input.totalChecks');
    const score = input.averageScore;
    if (score !== null && score !== undefined && !(Number.isFinite(score) && score >= 0 && score <= 100))
      throw badUserInput('input.averageScore must be from 0 to 100', 'input.averageScore');
    return this.insertStored(
      ScaReportEntity,
      {
        ...base,
        ...counts,
        policyFilter: optionalText(input.policyFilter, 'input.policyFilter', { max: 255 }),
        averageScore: score === null || score === undefined ? null : score.toFixed(2),
      },
      'ScaReport',
    );
  }

  async recordArtifact(input: RecordEndpointArtifactInput): Promise<EndpointArtifactRow> {
    const agentId = text(input.agentId, 'input.agentId', { max: 255 });
    const agent = await this.dataSource.getRepository(EndpointAgentEntity).findOneBy({ agentId });
    if (!agent) throw notFound('EndpointAgent', agentId);
    const status = input.status ?? 'completed';
    if (!['pending', 'collecting', 'completed', 'failed'].includes(status))
      throw badUserInput('input.status is not an artifact status', 'input.status');
    return this.insertStored(
      EndpointArtifactEntity,
      {
        agentId,
        artifactName: text(input.artifactName, 'input.artifactName', { max: 255 }),
        flowId: optionalText(input.flowId, 'input.flowId', { max: 255 }),
        velociraptorId:
          optionalText(input.velociraptorId, 'input.velociraptorId', { max: 255 }) ?? agent.velociraptorId,
        ...storedFile(input.file, 'input.file'),
        status,
        collectedBy: this.actor(),
        uploadTime: new Date(),
      },
      'EndpointArtifact',
    );
  }

  private async reportBase(input: ReportInputBase) {
    const customerCode = text(input.customerCode, 'input.customerCode', { max: 50 });
    const agentId = optionalText(input.agentId, 'input.agentId', { max: 255 });
    if (agentId) {
      const agent = await this.dataSource.getRepository(EndpointAgentEntity).findOneBy({ agentId });
      // One message for both: the report names an agent the customer does not have.
      if (!agent || agent.customerCode !== customerCode)
        throw badUserInput(`No endpoint agent ${agentId} of customer ${customerCode}`, 'input.agentId');
    }
    return {
      reportName: text(input.reportName, 'input.reportName', { max: 255 }),
      customerCode,
      agentId,
      ...storedFile(input.file, 'input.file'),
      generatedAt: generatedAt(input.generatedAt),
      generatedBy: this.actor(),
      ...reportStatus(input),
    };
  }

  /** One file is stored once: a second row for the same bucket and key is CONFLICT. */
  private async insertStored<R extends ObjectLiteral & StoredFile & { id: number }>(
    entity: typeof VulnerabilityReportEntity | typeof ScaReportEntity | typeof EndpointArtifactEntity,
    values: Omit<R, 'id'>,
    resource: string,
  ): Promise<R> {
    const repository = this.dataSource.getRepository<R>(entity as never);
    const taken = await repository
      .createQueryBuilder('f')
      .where('f.bucket_name = :bucket AND f.object_key = :key', { bucket: values.bucketName, key: values.objectKey })
      .getCount();
    if (taken > 0) throw conflict(`A ${resource} is already stored at ${values.bucketName}/${values.objectKey}`);
    try {
      const saved = (await repository.save(values as never)) as unknown as R;
      return (await repository.findOneByOrFail({ id: saved.id } as never)) as R;
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`This ${resource} is already stored`);
      throw error;
    }
  }

  // ----- status changes (the collectors move a report or artefact along) -----

  /**
   * Moves a visible report on: pending → generating → completed | failed (pending may finish at
   * once). A finished report stays finished: moving it again is CONFLICT. A failed one needs its
   * reason. The row is locked, so two collectors racing cannot both move it.
   */
  async setVulnerabilityReportStatus(id: string, status: string, errorMessage?: string | null) {
    const report = await this.vulnerabilityReport(id);
    if (!report) throw notFound('VulnerabilityReport', id);
    await this.moveStatus(T.vulnerabilityReport, report.id, status, errorMessage, REPORT_FLOW, 'report');
    this.scope.loaders.visibleVulnerabilityReportById.clear(report.id);
    return (await this.vulnerabilityReport(id))!;
  }

  async setScaReportStatus(id: string, status: string, errorMessage?: string | null) {
    const report = await this.scaReport(id);
    if (!report) throw notFound('ScaReport', id);
    await this.moveStatus(T.scaReport, report.id, status, errorMessage, REPORT_FLOW, 'report');
    this.scope.loaders.visibleScaReportById.clear(report.id);
    return (await this.scaReport(id))!;
  }

  /** An artefact: pending → collecting → completed | failed; finished ones stay (CONFLICT). */
  async setArtifactStatus(id: string, status: string) {
    const artifact = await this.artifact(id);
    if (!artifact) throw notFound('EndpointArtifact', id);
    await this.moveStatus(T.artifact, artifact.id, status, undefined, ARTIFACT_FLOW, 'artefact');
    this.scope.loaders.visibleArtifactById.clear(artifact.id);
    return (await this.artifact(id))!;
  }

  private async moveStatus(
    table: string,
    id: number,
    status: string,
    errorMessage: string | null | undefined,
    flow: Readonly<Record<string, readonly string[]>>,
    what: string,
  ): Promise<void> {
    if (!(status in flow)) throw badUserInput(`status is not a ${what} status`, 'status');
    const reason = optionalText(errorMessage, 'errorMessage', { max: 10_000 });
    if (status === 'failed' && what === 'report' && !reason)
      throw badUserInput('A failed report needs errorMessage', 'errorMessage');
    const [row] = (await this.dataSource.query(`SELECT status FROM ${table} WHERE id = $1 FOR UPDATE`, [id])) as {
      status: string;
    }[];
    const from = row?.status ?? '';
    if (!flow[from]?.includes(status)) throw conflict(`A ${from} ${what} cannot become ${status}`);
    if (what === 'report') {
      await this.dataSource.query(`UPDATE ${table} SET status = $2, error_message = $3 WHERE id = $1`, [
        id,
        status,
        status === 'failed' ? reason : null,
      ]);
    } else {
      await this.dataSource.query(`UPDATE ${table} SET status = $2 WHERE id = $1`, [id, status]);
    }
  }

  // ----- deletion (admins, see mutation-access.ts) -----

  /**
   * Forgets a visible report or artefact: its row, not the object-store file it points at
   * (returned with the row, for the caller to remove). One a collector is still generating or
   * collecting is CONFLICT: the collector would go on to store a file nothing points at. The row
   * is locked, so a racing status change either lands first (and is seen) or finds it gone.
   */
  async deleteVulnerabilityReport(id: string): Promise<VulnerabilityReportRow> {
    const report = await this.vulnerabilityReport(id);
    if (!report) throw notFound('VulnerabilityReport', id);
    this.scope.loaders.visibleVulnerabilityReportById.clear(report.id);
    return this.deleteUnlessBusy(VulnerabilityReportEntity, T.vulnerabilityReport, report.id, 'generating', 'report');
  }

  async deleteScaReport(id: string): Promise<ScaReportRow> {
    const report = await this.scaReport(id);
    if (!report) throw notFound('ScaReport', id);
    this.scope.loaders.visibleScaReportById.clear(report.id);
    return this.deleteUnlessBusy(ScaReportEntity, T.scaReport, report.id, 'generating', 'report');
  }

  async deleteArtifact(id: string): Promise<EndpointArtifactRow> {
    const artifact = await this.artifact(id);
    if (!artifact) throw notFound('EndpointArtifact', id);
    this.scope.loaders.visibleArtifactById.clear(artifact.id);
    return this.deleteUnlessBusy(EndpointArtifactEntity, T.artifact, artifact.id, 'collecting', 'artefact');
  }

  private async deleteUnlessBusy<R extends ObjectLiteral & { id: number }>(
    entity: typeof VulnerabilityReportEntity | typeof ScaReportEntity | typeof EndpointArtifactEntity,
    table: string,
    id: number,
    busy: 'generating' | 'collecting',
    what: string,
  ): Promise<R> {
    const [row] = (await this.dataSource.query(`SELECT status FROM ${table} WHERE id = $1 FOR UPDATE`, [id])) as {
      status: string;
    }[];
    if (!row) throw notFound(entity.options.name, id);
    if (row.status === busy) throw conflict(`The ${what} is still ${busy}: delete it once it is completed or failed`);
    // Read under the lock: what is deleted is what is returned.
    const current = (await this.dataSource.getRepository<R>(entity as never).findOneByOrFail({ id } as never)) as R;
    await this.dataSource.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
    return current;
  }

  private actor(): string {
    return this.principal.username ?? this.principal.clientName ?? 'unknown';
  }
}

function capitalized(severity: string): string {
  const value = severity.charAt(0).toUpperCase() + severity.slice(1).toLowerCase();
  if (!['Critical', 'High', 'Medium', 'Low', 'Informational'].includes(value))
    throw badUserInput('input.severityFilter is not a severity', 'input.severityFilter');
  return value;
}
