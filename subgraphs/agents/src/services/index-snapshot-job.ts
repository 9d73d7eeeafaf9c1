import type { DataSource, EntityManager } from 'typeorm';
import { IndexerClient, indexerDispatcher, type IndexerConfig, type IndexerSnapshot } from './indexer-client';
import type { ClaimedJob, JobQueue } from './job-queue';
import { isLegacySnapshotOf, isSnapshotOf, snapshotNameFor, snapshotPatternFor } from './opensearch-names';
import { T } from './visibility';

/**
 * Index snapshot schedules at work: each enabled schedule is due every `time_interval_minutes`;
 * the scheduler's tick enqueues one `index-snapshot` job per due schedule (in its locked
 * transaction, like the scheduled jobs), and the worker runs it:
 *
 * 1. `PUT _snapshot/<repository>/<due time>-schedule-<id>?wait_for_completion=false` with
 *    `{ indices: <index_pattern>, include_global_state: false }`. The snapshot's name comes from
 *    the schedule's id and the run's due time, so a retried attempt asks for the same snapshot
 *    again (and an "already exists" answer counts as made): a run never makes two snapshots, and
 *    renaming the schedule keeps its snapshots its own;
 * 2. retention: `GET _snapshot/<repository>/*-schedule-<id>`, then `DELETE` each snapshot of
 *    exactly this schedule's naming (not another schedule's, nor manual ones) that started more
 *    than `retention_days` ago. A schedule that took snapshots before names came from ids keeps
 *    its name of then in `legacy_snapshot_prefix`: its `<prefix>-<time>` snapshots are listed and
 *    expired the same way, and the prefix is dropped once none of them is left;
 * 3. the outcome (time, status, snapshot name, error, deleted count) goes on the schedule; a
 *    failure is also the job's, retried by the queue's rules unless retrying cannot help.
 */
export const INDEX_SNAPSHOT_JOB = 'index-snapshot';

export interface IndexSnapshotPayload {
  snapshotScheduleId: number;
  /** ISO time the run was due (names its snapshot). */
  dueAt: string;
  runNow?: boolean;
}

/** Enqueues one job for `scheduleId`, inside `tx`; records it as the schedule's last job. */
export async function enqueueSnapshotRun(
  queue: JobQueue,
  tx: EntityManager,
  scheduleId: number,
  triggeredBy: string,
  runNow = false,
): Promise<string> {
  const payload: IndexSnapshotPayload = {
    snapshotScheduleId: scheduleId,
    dueAt: new Date().toISOString(),
    ...(runNow ? { runNow } : {}),
  };
  const jobId = await queue.enqueue(
    INDEX_SNAPSHOT_JOB,
    { queueName: 'scheduled', maxAttempts: 3, payload: { ...payload }, triggeredBy },
    tx,
  );
  await tx.query(`UPDATE ${T.snapshotSchedule} SET last_job_id = $2 WHERE id = $1`, [scheduleId, jobId]);
  return jobId;
}

/**
 * The scheduler's share: every enabled, due schedule enqueues once (nothing while its last job
 * is still queued or running) and moves to the first slot of its grid after now, so after
 * downtime it runs once, not once per missed interval. Runs in the scheduler's locked transaction.
 */
export async function enqueueDueSnapshots(tx: EntityManager, queue: JobQueue): Promise<string[]> {
  const due = (await tx.query(
    `SELECT s.id, s.time_interval_minutes, j.status AS last_status
       FROM ${T.snapshotSchedule} s
       LEFT JOIN agents.jobs j ON j.id = s.last_job_id
      WHERE s.enabled AND s.next_run_time <= now()
      ORDER BY s.next_run_time, s.id
      FOR UPDATE OF s`,
  )) as { id: number; time_interval_minutes: number; last_status: string | null }[];
  const enqueued: string[] = [];
  for (const schedule of due) {
    if (schedule.last_status !== 'queued' && schedule.last_status !== 'running')
      enqueued.push(await enqueueSnapshotRun(queue, tx, schedule.id, 'scheduler'));
    await tx.query(
      `UPDATE ${T.snapshotSchedule}
          SET next_run_time = next_run_time
            + make_interval(mins => $2::int * (floor(extract(epoch FROM now() - next_run_time) / ($2::int * 60)) + 1)::int)
        WHERE id = $1`,
      [schedule.id, schedule.time_interval_minutes],
    );
  }
  return enqueued;
}

interface ScheduleForRun {
  id: number;
  index_pattern: string;
  repository: string;
  retention_days: number;
  legacy_snapshot_prefix: string | null;
}

const DAY_MS = 86_400_000;

/** The `index-snapshot` job handler. */
export function indexSnapshotHandler(dataSource: DataSource, config: Partial<IndexerConfig>) {
  // One pool per worker, so the CA read at start is parsed once, not per run.
  const dispatcher = indexerDispatcher(config.WAZUH_INDEXER_CA_FILE);
  return async (job: ClaimedJob): Promise<Record<string, unknown>> => {
    const payload = job.payload as Partial<IndexSnapshotPayload>;
    const [schedule] = (await dataSource.query(
      `SELECT id, index_pattern, repository, retention_days, legacy_snapshot_prefix FROM ${T.snapshotSchedule} WHERE id = $1`,
      [Number(payload.snapshotScheduleId)],
    )) as ScheduleForRun[];
    // Deleted since it was enqueued: nothing to snapshot any more.
    if (!schedule) return { skipped: 'the schedule no longer exists' };
    const dueAt = new Date(typeof payload.dueAt === 'string' ? payload.dueAt : Date.now());
    const snapshot = snapshotNameFor(schedule.id, Number.isNaN(dueAt.getTime()) ? new Date() : dueAt);
    try {
      const client = new IndexerClient(
        {
          WAZUH_INDEXER_URL: config.WAZUH_INDEXER_URL,
          WAZUH_INDEXER_USERNAME: config.WAZUH_INDEXER_USERNAME,
          WAZUH_INDEXER_PASSWORD: config.WAZUH_INDEXER_PASSWORD,
          WAZUH_INDEXER_TIMEOUT_MS: config.WAZUH_INDEXER_TIMEOUT_MS ?? 30_000,
          WAZUH_INDEXER_MAX_RESPONSE_BYTES: config.WAZUH_INDEXER_MAX_RESPONSE_BYTES ?? 16 * 1024 * 1024,
          WAZUH_INDEXER_CA_FILE: config.WAZUH_INDEXER_CA_FILE,
        },
        dispatcher,
      );
      const created = await client.createSnapshot(schedule.repository, snapshot, schedule.index_pattern);
      const cutoff = Date.now() - schedule.retention_days * DAY_MS;
      const expired = (s: IndexerSnapshot) =>
        s.snapshot !== snapshot && typeof s.start_time_in_millis === 'number' && s.start_time_in_millis < cutoff;
      const own = (await client.listSnapshots(schedule.repository, snapshotPatternFor(schedule.id))).filter((s) =>
        isSnapshotOf(schedule.id, s.snapshot),
      );
      const prefix = schedule.legacy_snapshot_prefix;
      const legacy = prefix
        ? (await client.listSnapshots(schedule.repository, `${prefix}-*`)).filter((s) =>
            isLegacySnapshotOf(prefix, s.snapshot),
          )
        : [];
      const deleted: string[] = [];
      for (const old of [...own, ...legacy].filter(expired)) {
        await client.deleteSnapshot(schedule.repository, old.snapshot);
        deleted.push(old.snapshot);
      }
      // Once its last snapshot of the old naming is gone, nothing is left to look for under it.
      const legacyLeft = legacy.some((s) => !deleted.includes(s.snapshot));
      await dataSource.query(
        `UPDATE ${T.snapshotSchedule} SET last_execution_time = now(), last_status = 'succeeded', last_snapshot_name = $2,
           last_error = NULL, last_deleted_count = $3,
           legacy_snapshot_prefix = CASE WHEN $4 THEN legacy_snapshot_prefix END WHERE id = $1`,
        [schedule.id, snapshot, deleted.length, legacyLeft],
      );
      return { repository: schedule.repository, snapshot, created, deleted };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await dataSource.query(
        `UPDATE ${T.snapshotSchedule} SET last_execution_time = now(), last_status = 'failed', last_snapshot_name = $2,
           last_error = $3, last_deleted_count = NULL WHERE id = $1`,
        [schedule.id, snapshot, message.slice(0, 2000)],
      );
      throw error;
    }
  };
}
