import {
  badUserInput,
  conflict,
  isUnrestricted,
  notFound,
  optionalText,
  paginate,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { AgentsContext } from '../context';
import { JobEntity, ScheduledJobEntity, type JobRow, type ScheduledJobRow } from '../entities';
import { JobQueue } from './job-queue';
import { T } from './visibility';

export interface ScheduledJobFilter {
  enabled?: boolean | null;
}

export interface UpdateScheduledJobInput {
  enabled?: boolean | null;
  intervalSeconds?: number | null;
  description?: string | null;
}

/** At most 30 days between runs (the column's check). */
const MAX_INTERVAL_SECONDS = 30 * 86_400;

const JOB_ID = { max: 50, pattern: /^[a-z][a-z0-9-]*$/, patternHint: 'is not a scheduled job id' };

/**
 * The admins' view of the scheduled jobs: list, change (enable, disable, interval) and run one
 * now. Like the job queue, others see none.
 */
export class ScheduleService extends ScopedService<AgentsContext> {
  list(args: ConnectionArgs, filter?: ScheduledJobFilter | null): Promise<Connection<ScheduledJobRow>> {
    const query = this.dataSource.getRepository(ScheduledJobEntity).createQueryBuilder('m');
    query.where(isUnrestricted(this.principal) ? 'TRUE' : 'FALSE');
    if (filter?.enabled !== null && filter?.enabled !== undefined)
      query.andWhere('m.enabled = :sf_enabled', { sf_enabled: filter.enabled });
    return paginate(query, args, [{ column: 'm.job_id', direction: 'ASC', value: (m) => m.jobId }]);
  }

  async byJobId(jobId: string): Promise<ScheduledJobRow | null> {
    if (!isUnrestricted(this.principal) || typeof jobId !== 'string' || jobId.length > 50) return null;
    return this.dataSource.getRepository(ScheduledJobEntity).findOneBy({ jobId });
  }

  async update(jobId: string, input: UpdateScheduledJobInput): Promise<ScheduledJobRow> {
    const schedule = await this.locked(jobId);
    const interval = input.intervalSeconds;
    if (interval !== null && interval !== undefined) {
      if (!Number.isInteger(interval) || interval < 1 || interval > MAX_INTERVAL_SECONDS)
        throw badUserInput(`input.intervalSeconds must be from 1 to ${MAX_INTERVAL_SECONDS}`, 'input.intervalSeconds');
      if (interval !== schedule.intervalSeconds) {
        await this.dataSource.query(`UPDATE ${T.schedule} SET time_interval = $2 WHERE job_id = $1`, [jobId, interval]);
        // The next run is one new interval after the last one, or now when that is past.
        await this.dataSource.query(
          `UPDATE ${T.scheduleRun} s SET next_run_time = greatest(now(), coalesce(m.last_enqueued_at, m.created_at) + make_interval(secs => $2::int))
             FROM ${T.schedule} m WHERE m.job_id = s.id AND s.id = $1`,
          [jobId, interval],
        );
      }
    }
    if (input.enabled !== null && input.enabled !== undefined && input.enabled !== schedule.enabled)
      // Enabled again with a past next run, it runs once at the next tick (it catches up once).
      await this.dataSource.query(`UPDATE ${T.schedule} SET enabled = $2 WHERE job_id = $1`, [jobId, input.enabled]);
    if (input.description !== undefined) {
      const description = optionalText(input.description, 'input.description', { max: 1000 });
      await this.dataSource.query(`UPDATE ${T.schedule} SET job_description = $2 WHERE job_id = $1`, [
        jobId,
        description,
      ]);
    }
    await this.dataSource.query(`UPDATE ${T.schedule} SET updated_at = now() WHERE job_id = $1`, [jobId]);
    return this.dataSource.getRepository(ScheduledJobEntity).findOneByOrFail({ jobId });
  }

  /** Enqueues the scheduled job at once (also when disabled); its regular schedule stays as it is. */
  async runNow(jobId: string): Promise<JobRow> {
    const schedule = await this.locked(jobId);
    if (schedule.lastJobId) {
      const last = await this.dataSource.getRepository(JobEntity).findOneBy({ id: schedule.lastJobId });
      if (last && (last.status === 'queued' || last.status === 'running'))
        throw conflict(`${jobId} already has a ${last.status} job (${last.id})`);
    }
    const id = await new JobQueue(this.dataSource).enqueue(schedule.jobId, {
      queueName: 'scheduled',
      maxAttempts: 3,
      payload: { scheduledJob: schedule.jobId, runNow: true },
      triggeredBy: this.principal.username ?? 'admin',
    });
    await this.dataSource.query(
      `UPDATE ${T.schedule} SET last_enqueued_at = now(), last_job_id = $2 WHERE job_id = $1`,
      [jobId, id],
    );
    return this.dataSource.getRepository(JobEntity).findOneByOrFail({ id });
  }

  /** The schedule, locked for the rest of the mutation; NOT_FOUND when absent (admins only reach here). */
  private async locked(jobId: string): Promise<ScheduledJobRow> {
    const id = text(jobId, 'jobId', JOB_ID);
    const rows = (await this.dataSource.query(`SELECT id FROM ${T.schedule} WHERE job_id = $1 FOR UPDATE`, [id])) as {
      id: number;
    }[];
    if (!rows[0]) throw notFound('ScheduledJob', id);
    return this.dataSource.getRepository(ScheduledJobEntity).findOneByOrFail({ jobId: id });
  }
}
