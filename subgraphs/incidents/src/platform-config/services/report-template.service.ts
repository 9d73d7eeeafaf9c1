import {
  badUserInput,
  ConditionBuilder,
  loadByIntId,
  optionalText,
  paginate,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { IncidentsContext } from '../../context';
import { ReportTemplateEntity, type ReportTemplateRow } from '../entities';
import { lockVisible, qualified, requireConfigReader, requireConfigWriter, writeTransaction } from './common';

export interface ReportTemplateFilter {
  search?: string | null;
}

export interface CreateReportTemplateInput {
  name: string;
  bucketName: string;
  objectKey: string;
  fileName: string;
  contentType?: string | null;
  fileSize: number;
  fileHash: string;
}

const HASH_RULE = { max: 128, pattern: /^[A-Fa-f0-9]{32,128}$/, patternHint: 'must be a hex digest' };

/** By name (unique), the id only as a formal tie-break. */
const ORDER = [
  { column: 'report_template_name', direction: 'ASC', value: (r: ReportTemplateRow) => r.name },
  { column: 'id', direction: 'ASC', value: (r: ReportTemplateRow) => r.id },
] as const;

/** Case report templates: metadata of objects already uploaded to the object store. Not customer data. */
export class ReportTemplateService extends ScopedService<IncidentsContext> {
  async list(args: ConnectionArgs, filter?: ReportTemplateFilter | null): Promise<Connection<ReportTemplateRow>> {
    requireConfigReader(this.principal);
    const condition = new ConditionBuilder('rt')
      .contains(['report_template_name'], filter?.search, 'filter.search', 200)
      .build();
    const query = this.dataSource
      .getRepository(ReportTemplateEntity)
      .createQueryBuilder('rt')
      .where(condition.sql, condition.params);
    return paginate(query, args, qualified('rt', ORDER));
  }

  async byId(id: string): Promise<ReportTemplateRow | null> {
    requireConfigReader(this.principal);
    return loadByIntId(this.scope.socConfig.loaders.reportTemplateById, id);
  }

  async create(input: CreateReportTemplateInput): Promise<ReportTemplateRow> {
    requireConfigWriter(this.principal);
    if (!Number.isSafeInteger(input.fileSize) || input.fileSize < 0)
      throw badUserInput('fileSize must be a whole number ≥ 0', 'input.fileSize');
    const row = {
      name: text(input.name, 'input.name', { max: 255 }),
      bucketName: text(input.bucketName, 'input.bucketName', { max: 255 }),
      objectKey: text(input.objectKey, 'input.objectKey', { max: 1024 }),
      fileName: text(input.fileName, 'input.fileName', { max: 255 }),
      contentType: optionalText(input.contentType, 'input.contentType', { max: 255 }),
      fileSize: String(input.fileSize),
      fileHash: text(input.fileHash, 'input.fileHash', HASH_RULE).toLowerCase(),
    };
    return writeTransaction(this.dataSource, `A report template named ${row.name} exists`, async (tx) => {
      const saved = await tx.getRepository(ReportTemplateEntity).save(row);
      return tx.getRepository(ReportTemplateEntity).findOneByOrFail({ id: saved.id });
    });
  }

  /** Forgets the template's metadata; removing the object from its bucket is the uploader's job. */
  async delete(id: string): Promise<number> {
    requireConfigWriter(this.principal);
    const deleted = await writeTransaction(this.dataSource, 'Report template changed meanwhile', async (tx) => {
      const row = await lockVisible(tx, ReportTemplateEntity, id, 'ReportTemplate');
      await tx.getRepository(ReportTemplateEntity).delete({ id: row.id });
      return row.id;
    });
    this.scope.socConfig.loaders.reportTemplateById.clear(deleted);
    return deleted;
  }
}
