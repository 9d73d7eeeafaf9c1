import { EntitySchema } from 'typeorm';

export interface JobRow {
  id: string;
  jobType: string;
  status: string;
  queueName: string | null;
  priority: number;
  attemptNumber: number;
  maxAttempts: number;
  nextRetryAt: Date | null;
  progressPercent: number;
  result: unknown;
  errorMessage: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

export const JobEntity = new EntitySchema<JobRow>({
  name: 'Job',
  tableName: 'jobs',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    jobType: { name: 'job_type', type: 'varchar', length: 50 },
    status: { type: 'varchar', length: 20 },
    queueName: { name: 'queue_name', type: 'varchar', length: 100, nullable: true },
    priority: { type: 'int' },
    attemptNumber: { name: 'attempt_number', type: 'int' },
    maxAttempts: { name: 'max_attempts', type: 'int' },
    nextRetryAt: { name: 'next_retry_at', type: 'timestamptz', nullable: true },
    progressPercent: { name: 'progress_percent', type: 'int' },
    result: { type: 'jsonb', nullable: true },
    errorMessage: { name: 'error_message', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    startedAt: { name: 'started_at', type: 'timestamptz', precision: 3, nullable: true },
    completedAt: { name: 'completed_at', type: 'timestamptz', precision: 3, nullable: true },
  },
});

export interface JobAttemptRow {
  id: string;
  jobId: string;
  attemptNumber: number;
  status: string;
  workerId: string | null;
  error: string | null;
  startedAt: Date;
  endedAt: Date | null;
}

export const JobAttemptEntity = new EntitySchema<JobAttemptRow>({
  name: 'JobAttempt',
  tableName: 'job_attempts',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    jobId: { name: 'job_id', type: 'varchar', length: 36 },
    attemptNumber: { name: 'attempt_number', type: 'int' },
    status: { type: 'varchar', length: 20 },
    workerId: { name: 'worker_id', type: 'varchar', length: 100, nullable: true },
    error: { type: 'text', nullable: true },
    startedAt: { name: 'started_at', type: 'timestamptz', precision: 3 },
    endedAt: { name: 'ended_at', type: 'timestamptz', precision: 3, nullable: true },
  },
});

export interface JobTransitionRow {
  id: string;
  jobId: string;
  fromStatus: string | null;
  toStatus: string;
  triggeredBy: string;
  transitionedAt: Date;
  metadata: unknown;
}

export const JobTransitionEntity = new EntitySchema<JobTransitionRow>({
  name: 'JobTransition',
  tableName: 'job_transitions',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    jobId: { name: 'job_id', type: 'varchar', length: 36 },
    fromStatus: { name: 'from_status', type: 'varchar', length: 20, nullable: true },
    toStatus: { name: 'to_status', type: 'varchar', length: 20 },
    triggeredBy: { name: 'triggered_by', type: 'varchar', length: 100 },
    transitionedAt: { name: 'transitioned_at', type: 'timestamptz', precision: 3 },
    metadata: { type: 'jsonb', nullable: true },
  },
});
