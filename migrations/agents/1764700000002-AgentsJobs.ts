import { auditCaptureTriggerSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Jobs (seed 003 and domain.md's details): the jobs state machine with its checks
 * (queued → running → completed | failed | cancelled, retries back to queued with
 * `next_retry_at`), every attempt, log line and transition recorded. Workers claim with
 * FOR UPDATE SKIP LOCKED.
 */
export class AgentsJobs1764700000002 implements MigrationInterface {
  name = 'AgentsJobs1764700000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agents.jobs (
        id varchar(36) PRIMARY KEY,
        job_type varchar(50) NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        queue_name varchar(100),
        priority integer NOT NULL DEFAULT 2 CHECK (priority >= 0 AND priority <= 4),
        payload jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        completed_at timestamptz(3),
        progress_percent integer NOT NULL DEFAULT 0 CHECK (progress_percent >= 0 AND progress_percent <= 100),
        current_step varchar(255),
        result jsonb,
        error_message text,
        error_traceback text,
        attempt_number integer NOT NULL DEFAULT 1 CHECK (attempt_number >= 1),
        max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
        next_retry_at timestamptz(3),
        locked_by varchar(100),
        CHECK (completed_at IS NULL OR completed_at >= created_at),
        CHECK (started_at IS NULL OR started_at >= created_at),
        CHECK (attempt_number <= max_attempts)
      )`);
    await q.query(`CREATE INDEX idx_jobs_status ON agents.jobs (status)`);
    await q.query(`CREATE INDEX idx_jobs_job_type ON agents.jobs (job_type)`);
    await q.query(`CREATE INDEX idx_jobs_created_at ON agents.jobs (created_at)`);
    await q.query(`CREATE INDEX idx_jobs_queue_name ON agents.jobs (queue_name)`);
    await q.query(`CREATE INDEX idx_jobs_priority ON agents.jobs (priority)`);
    await q.query(`CREATE INDEX idx_jobs_status_created_at ON agents.jobs (status, created_at)`);
    await q.query(`CREATE INDEX idx_jobs_job_type_status ON agents.jobs (job_type, status)`);
    await q.query(`CREATE INDEX ix_jobs_created_at_brin ON agents.jobs USING brin (created_at)`);
    // What a worker's claim reads: due queued jobs by priority.
    await q.query(`CREATE INDEX idx_jobs_claim ON agents.jobs (priority DESC, created_at) WHERE status = 'queued'`);

    await q.query(`
      CREATE TABLE agents.job_attempts (
        id bigserial PRIMARY KEY,
        job_id varchar(36) NOT NULL REFERENCES agents.jobs (id) ON DELETE CASCADE,
        attempt_number integer NOT NULL CHECK (attempt_number >= 1),
        started_at timestamptz(3) NOT NULL DEFAULT now(),
        ended_at timestamptz(3),
        status varchar(20) NOT NULL DEFAULT 'started' CHECK (status IN ('started', 'succeeded', 'failed', 'cancelled')),
        worker_id varchar(100),
        error text,
        result jsonb,
        CHECK (ended_at IS NULL OR ended_at >= started_at),
        CONSTRAINT job_attempts_once UNIQUE (job_id, attempt_number)
      )`);
    await q.query(`
      CREATE TABLE agents.job_logs (
        id bigserial PRIMARY KEY,
        job_id varchar(36) NOT NULL REFERENCES agents.jobs (id) ON DELETE CASCADE,
        attempt_number integer CHECK (attempt_number >= 1),
        timestamp timestamptz(3) NOT NULL DEFAULT now(),
        level varchar(10) NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error')),
        message text NOT NULL,
        context jsonb
      )`);
    await q.query(`CREATE INDEX job_logs_job_idx ON agents.job_logs (job_id, timestamp)`);
    await q.query(`
      CREATE TABLE agents.job_transitions (
        id bigserial PRIMARY KEY,
        job_id varchar(36) NOT NULL REFERENCES agents.jobs (id) ON DELETE CASCADE,
        from_status varchar(20) CHECK (from_status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        to_status varchar(20) NOT NULL CHECK (to_status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        transitioned_at timestamptz(3) NOT NULL DEFAULT now(),
        triggered_by varchar(100) NOT NULL DEFAULT 'worker',
        metadata jsonb
      )`);
    await q.query(`CREATE INDEX job_transitions_job_idx ON agents.job_transitions (job_id, transitioned_at, id)`);
    for (const table of ['jobs', 'job_attempts', 'job_logs', 'job_transitions']) {
      await q.query(auditCaptureTriggerSql('agents', table));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['job_transitions', 'job_logs', 'job_attempts', 'jobs']) {
      await q.query(`DROP TABLE IF EXISTS agents.${table}`);
    }
  }
}
