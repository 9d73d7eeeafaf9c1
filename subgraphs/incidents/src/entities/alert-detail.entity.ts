import { EntitySchema } from 'typeorm';

/** Indicators of compromise, shared by alerts and deduplicated by (value, type). */
export interface IocRow {
  id: number;
  value: string;
  type: string;
  description: string | null;
}

export const IocEntity = new EntitySchema<IocRow>({
  name: 'Ioc',
  tableName: 'incident_management_ioc',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    value: { type: 'varchar', length: 1024 },
    type: { type: 'varchar', length: 50 },
    description: { type: 'text', nullable: true },
  },
});

export interface AlertContextRow {
  id: number;
  source: string;
  context: Record<string, unknown>;
}

export const AlertContextEntity = new EntitySchema<AlertContextRow>({
  name: 'AlertContext',
  tableName: 'incident_management_alertcontext',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    source: { type: 'varchar', length: 50 },
    context: { type: 'jsonb', default: {} },
  },
});

/** A host or account an alert concerns; `agentId` refers to agents' EndpointAgent. */
export interface AssetRow {
  id: number;
  alertId: number;
  name: string;
  alertContextId: number | null;
  agentId: string | null;
  velociraptorId: string | null;
  customerCode: string;
  indexName: string | null;
  indexId: string | null;
}

export const AssetEntity = new EntitySchema<AssetRow>({
  name: 'Asset',
  tableName: 'incident_management_asset',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    alertId: { name: 'alert_linked', type: 'int' },
    name: { name: 'asset_name', type: 'varchar', length: 255 },
    alertContextId: { name: 'alert_context_id', type: 'int', nullable: true },
    agentId: { name: 'agent_id', type: 'varchar', length: 255, nullable: true },
    velociraptorId: { name: 'velociraptor_id', type: 'varchar', length: 255, nullable: true },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    indexName: { name: 'index_name', type: 'varchar', length: 255, nullable: true },
    indexId: { name: 'index_id', type: 'varchar', length: 255, nullable: true },
  },
});

/** Alert and case comments share one shape. */
export interface CommentRow {
  id: number;
  parentId: number;
  comment: string;
  userName: string;
  /** The author's role when writing; null on comments older than the column (read as staff). */
  authorRole: string | null;
  createdAt: Date;
}

function commentEntity(name: string, tableName: string, parentColumn: string): EntitySchema<CommentRow> {
  return new EntitySchema<CommentRow>({
    name,
    tableName,
    columns: {
      id: { type: 'int', primary: true, generated: 'increment' },
      parentId: { name: parentColumn, type: 'int' },
      comment: { type: 'text' },
      userName: { name: 'user_name', type: 'varchar', length: 64 },
      authorRole: { name: 'author_role', type: 'varchar', length: 32, nullable: true },
      createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' },
    },
  });
}

export const AlertCommentEntity = commentEntity('AlertComment', 'incident_management_comment', 'alert_id');
export const CaseCommentEntity = commentEntity('CaseComment', 'incident_management_case_comment', 'case_id');
