import { EntitySchema } from 'typeorm';

/** A Wazuh-indexer snapshot schedule (seed 004's `index_snapshot_schedules`). */
export interface IndexSnapshotScheduleRow {
  id: number;
  name: string;
  indexPattern: string;
  repository: string;
  intervalMinutes: number;
  retentionDays: number;
  enabled: boolean;
  nextRunTime: Date;
  lastExecutionTime: Date | null;
  lastStatus: 'succeeded' | 'failed' | null;
  lastSnapshotName: string | null;
  lastError: string | null;
  lastDeletedCount: number | null;
  lastJobId: string | null;
  /** The name it had when snapshots were still named after names; null once none of those is left. */
  legacySnapshotPrefix: string | null;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
}

export const IndexSnapshotScheduleEntity = new EntitySchema<IndexSnapshotScheduleRow>({
  name: 'IndexSnapshotSchedule',
  tableName: 'index_snapshot_schedules',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'varchar', length: 100 },
    indexPattern: { name: 'index_pattern', type: 'varchar', length: 1000 },
    repository: { type: 'varchar', length: 255 },
    intervalMinutes: { name: 'time_interval_minutes', type: 'int' },
    retentionDays: { name: 'retention_days', type: 'int' },
    enabled: { type: 'boolean' },
    nextRunTime: { name: 'next_run_time', type: 'timestamptz', precision: 3 },
    lastExecutionTime: { name: 'last_execution_time', type: 'timestamptz', precision: 3, nullable: true },
    lastStatus: { name: 'last_status', type: 'varchar', length: 20, nullable: true },
    lastSnapshotName: { name: 'last_snapshot_name', type: 'varchar', length: 255, nullable: true },
    lastError: { name: 'last_error', type: 'text', nullable: true },
    lastDeletedCount: { name: 'last_deleted_count', type: 'int', nullable: true },
    lastJobId: { name: 'last_job_id', type: 'varchar', length: 36, nullable: true },
    legacySnapshotPrefix: { name: 'legacy_snapshot_prefix', type: 'varchar', length: 100, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    createdBy: { name: 'created_by', type: 'varchar', length: 150 },
    updatedAt: { name: 'updated_at', type: 'timestamptz', precision: 3 },
  },
});
