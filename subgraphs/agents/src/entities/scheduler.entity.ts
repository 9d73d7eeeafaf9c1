import { EntitySchema } from 'typeorm';

/**
 * A scheduled job (seed 004's `scheduled_job_metadata` joined with its `schedulerjob` row):
 * what runs (`jobId`, also the job type it enqueues), every how many seconds, whether it is
 * enabled, when it last succeeded and when it runs next.
 */
export interface ScheduledJobRow {
  id: number;
  jobId: string;
  description: string | null;
  intervalSeconds: number;
  enabled: boolean;
  extraData: Record<string, unknown>;
  lastSuccess: Date | null;
  lastEnqueuedAt: Date | null;
  lastJobId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const ScheduledJobEntity = new EntitySchema<ScheduledJobRow>({
  name: 'ScheduledJob',
  tableName: 'scheduled_job_metadata',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    jobId: { name: 'job_id', type: 'varchar', length: 50 },
    description: { name: 'job_description', type: 'text', nullable: true },
    intervalSeconds: { name: 'time_interval', type: 'int' },
    enabled: { type: 'boolean' },
    extraData: { name: 'extra_data', type: 'jsonb' },
    lastSuccess: { name: 'last_success', type: 'timestamptz', precision: 3, nullable: true },
    lastEnqueuedAt: { name: 'last_enqueued_at', type: 'timestamptz', precision: 3, nullable: true },
    lastJobId: { name: 'last_job_id', type: 'varchar', length: 36, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    updatedAt: { name: 'updated_at', type: 'timestamptz', precision: 3 },
  },
});

/** When a scheduled job runs next (seed 004's `schedulerjob`, keyed by the job id). */
export interface SchedulerRunRow {
  id: string;
  nextRunTime: Date;
  jobState: Record<string, unknown>;
}

export const SchedulerRunEntity = new EntitySchema<SchedulerRunRow>({
  name: 'SchedulerRun',
  tableName: 'schedulerjob',
  columns: {
    id: { type: 'varchar', length: 50, primary: true },
    nextRunTime: { name: 'next_run_time', type: 'timestamptz', precision: 3 },
    jobState: { name: 'job_state', type: 'jsonb' },
  },
});
