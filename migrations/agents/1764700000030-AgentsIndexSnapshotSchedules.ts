import { auditCaptureTriggerSql } from '@socgraph/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seed 004's `index_snapshot_schedules` (CoPilot's Wazuh-indexer snapshot schedules): which
 * indices (`index_pattern`) are snapshotted into which snapshot repository, every how many
 * minutes, how many days its snapshots are kept, and what its last execution did.
 *
 * The names follow OpenSearch's rules, so a row can never hold a name the indexer refuses:
 * lowercase, no whitespace or control characters, none of `\ / * ? " < > | , # :`, not starting
 * with `_` (index patterns may use `*` and `-` exclusions; the schedule's name, which prefixes
 * its snapshots' names, starts with a letter or digit). The service checks the same first and
 * names the field; these checks are the backstop.
 *
 * Its runs are jobs of the job queue (`index-snapshot`), so every attempt, transition and log
 * line is recorded there; `last_job_id` points at the last one.
 */
export class AgentsIndexSnapshotSchedules1764700000030 implements MigrationInterface {
  name = 'AgentsIndexSnapshotSchedules1764700000030';

  async up(q: QueryRunner): Promise<void> {
    // Characters OpenSearch refuses in index, repository and snapshot names, and controls (a
    // bracket expression's inside; `\\\\` is one backslash once TS and the regex have unescaped it).
    const refused = `[:space:][:cntrl:]\\\\/*?"<>|,#:`;
    const forbidden = `[${refused}]`;
    // One item of an index pattern: `*` allowed, an optional `-` (exclusion), then not `-_+`.
    const notWild = refused.replace('*', '');
    const item = `-?[^-_+${notWild}][^${notWild}]*`;
    await q.query(`
      CREATE TABLE agents.index_snapshot_schedules (
        id serial PRIMARY KEY,
        name varchar(100) NOT NULL UNIQUE
          CHECK (name ~ '^[a-z0-9]' AND name !~ '${forbidden}' AND name = lower(name)),
        index_pattern varchar(1000) NOT NULL
          CHECK (index_pattern ~ '^${item}(,${item})*$' AND index_pattern !~ '^-' AND index_pattern = lower(index_pattern)),
        repository varchar(255) NOT NULL
          CHECK (length(repository) > 0 AND repository !~ '^_' AND repository !~ '${forbidden}' AND repository = lower(repository)),
        time_interval_minutes integer NOT NULL CHECK (time_interval_minutes BETWEEN 1 AND 527040),
        retention_days integer NOT NULL CHECK (retention_days BETWEEN 1 AND 3650),
        enabled boolean NOT NULL DEFAULT true,
        next_run_time timestamptz(3) NOT NULL DEFAULT now(),
        last_execution_time timestamptz(3),
        last_status varchar(20) CHECK (last_status IN ('succeeded', 'failed')),
        last_snapshot_name varchar(255)
          CHECK (last_snapshot_name !~ '^_' AND last_snapshot_name !~ '${forbidden}' AND last_snapshot_name = lower(last_snapshot_name)),
        last_error text,
        last_deleted_count integer CHECK (last_deleted_count >= 0),
        last_job_id varchar(36) REFERENCES agents.jobs (id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        created_by varchar(150) NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT index_snapshot_schedules_failed_reason CHECK (last_status IS DISTINCT FROM 'failed' OR last_error IS NOT NULL),
        CONSTRAINT index_snapshot_schedules_executed CHECK (last_status IS NULL OR last_execution_time IS NOT NULL)
      )`);
    // The scheduler's due scan.
    await q.query(
      `CREATE INDEX index_snapshot_schedules_due_idx ON agents.index_snapshot_schedules (next_run_time) WHERE enabled`,
    );
    await q.query(auditCaptureTriggerSql('agents', 'index_snapshot_schedules'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS agents.index_snapshot_schedules`);
  }
}
