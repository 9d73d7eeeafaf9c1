import { EntitySchema } from 'typeorm';
import type { AlertStatusValue } from './alert.entity';

export interface CaseRow {
  id: number;
  name: string;
  description: string | null;
  createdAt: Date;
  status: AlertStatusValue;
  closedAt: Date | null;
  assignedTo: string | null;
  customerCode: string;
  notificationInvokedNumber: number;
  escalated: boolean;
}

export const CaseEntity = new EntitySchema<CaseRow>({
  name: 'Case',
  tableName: 'incident_management_case',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { name: 'case_name', type: 'varchar', length: 255 },
    description: { name: 'case_description', type: 'text', nullable: true },
    createdAt: { name: 'case_creation_time', type: 'timestamptz', precision: 3, default: () => 'now()' },
    status: { name: 'case_status', type: 'varchar', length: 50, default: 'OPEN' },
    closedAt: { name: 'case_closed_time', type: 'timestamptz', precision: 3, nullable: true },
    assignedTo: { name: 'assigned_to', type: 'varchar', length: 64, nullable: true },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    notificationInvokedNumber: { name: 'notification_invoked_number', type: 'int', default: 0 },
    escalated: { type: 'boolean', default: false },
  },
});

/** Object-store pointers: the files live in a bucket, the database keeps where and their hash. */
export interface StoredFileRow {
  id: number;
  bucketName: string;
  objectKey: string;
  fileName: string;
  contentType: string | null;
  fileSize: string;
  uploadedAt: Date;
  fileHash: string;
}

export interface CaseFileRow extends StoredFileRow {
  caseId: number;
}

/** Columns of an object-store file; report templates (platform-config/entities.ts) have them too. */
export const storedFileColumns = {
  id: { type: 'int', primary: true, generated: 'increment' },
  bucketName: { name: 'bucket_name', type: 'varchar', length: 255 },
  objectKey: { name: 'object_key', type: 'varchar', length: 1024 },
  fileName: { name: 'file_name', type: 'varchar', length: 255 },
  contentType: { name: 'content_type', type: 'varchar', length: 255, nullable: true },
  // bigint arrives as a string from pg; the GraphQL layer converts it.
  fileSize: { name: 'file_size', type: 'bigint', default: 0 },
  uploadedAt: { name: 'upload_time', type: 'timestamptz', precision: 3, default: () => 'now()' },
  fileHash: { name: 'file_hash', type: 'varchar', length: 128 },
} as const;

export const CaseFileEntity = new EntitySchema<CaseFileRow>({
  name: 'CaseFile',
  tableName: 'incident_management_case_datastore',
  columns: { ...storedFileColumns, caseId: { name: 'case_id', type: 'int' } },
});
