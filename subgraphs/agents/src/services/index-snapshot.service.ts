import {
  badUserInput,
  conflict,
  isUniqueViolation,
  isUnrestricted,
  notFound,
  paginate,
  parseIntId,
  ScopedService,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { EntityManager } from 'typeorm';
import type { AgentsContext } from '../context';
import { IndexSnapshotScheduleEntity, JobEntity, type IndexSnapshotScheduleRow, type JobRow } from '../entities';
import { enqueueSnapshotRun } from './index-snapshot-job';
import { JobQueue } from './job-queue';
import { indexPattern, repositoryName, scheduleName } from './opensearch-names';
import { T } from './visibility';

export interface IndexSnapshotScheduleFilter {
  enabled?: boolean | null;
}

export interface CreateIndexSnapshotScheduleInput {
  name: string;
  indexPattern: string;
  repository: string;
  intervalMinutes: number;
  retentionDays: number;
  enabled?: boolean | null;
}

export type UpdateIndexSnapshotScheduleInput = {
  [K in keyof CreateIndexSnapshotScheduleInput]?: CreateIndexSnapshotScheduleInput[K] | null;
};

/** A year between snapshots at most; ten years of retention (the column checks). */
export const MAX_INTERVAL_MINUTES = 366 * 1440;
export const MAX_RETENTION_DAYS = 3650;

function boundedInt(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw badUserInput(`${field} must be a whole number from ${min} to ${max}`, field);
  return value;
}

/**
 * The admins' index snapshot schedules (and the scheduler's, which reads them): list, create,
 * change, delete, run one now. Like the scheduled jobs, others see none.
 */
export class IndexSnapshotService extends ScopedService<AgentsContext> {
  list(
    args: ConnectionArgs,
    filter?: IndexSnapshotScheduleFilter | null,
  ): Promise<Connection<IndexSnapshotScheduleRow>> {
    const query = this.dataSource.getRepository(IndexSnapshotScheduleEntity).createQueryBuilder('s');
    query.where(isUnrestricted(this.principal) ? 'TRUE' : 'FALSE');
    if (filter?.enabled !== null && filter?.enabled !== undefined)
      query.andWhere('s.enabled = :snap_enabled', { snap_enabled: filter.enabled });
    return paginate(query, args, [{ column: 's.name', direction: 'ASC', value: (s) => s.name }]);
  }

  async byId(id: string): Promise<IndexSnapshotScheduleRow | null> {
    const key = parseIntId(id);
    if (!isUnrestricted(this.principal) || key === null) return null;
    return this.dataSource.getRepository(IndexSnapshotScheduleEntity).findOneBy({ id: key });
  }

  async create(input: CreateIndexSnapshotScheduleInput): Promise<IndexSnapshotScheduleRow> {
    const name = scheduleName(input.name, 'input.name');
    const pattern = indexPattern(input.indexPattern, 'input.indexPattern');
    const repository = repositoryName(input.repository, 'input.repository');
    const interval = boundedInt(input.intervalMinutes, 'input.intervalMinutes', 1, MAX_INTERVAL_MINUTES);
    const retention = boundedInt(input.retentionDays, 'input.retentionDays', 1, MAX_RETENTION_DAYS);
    await this.nameFree(name);
    const rows = (await this.insert(
      `INSERT INTO ${T.snapshotSchedule} (name, index_pattern, repository, time_interval_minutes, retention_days, enabled, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [name, pattern, repository, interval, retention, input.enabled ?? true, this.principal.username ?? 'admin'],
    )) as { id: number }[];
    return this.dataSource.getRepository(IndexSnapshotScheduleEntity).findOneByOrFail({ id: rows[0]!.id });
  }

  async update(id: string, input: UpdateIndexSnapshotScheduleInput): Promise<IndexSnapshotScheduleRow> {
    const schedule = await this.locked(id);
    const sets: string[] = [];
    const params: unknown[] = [schedule.id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (input.name !== null && input.name !== undefined) {
      const name = scheduleName(input.name, 'input.name');
      if (name !== schedule.name) {
        await this.nameFree(name);
        set('name', name);
      }
    }
    if (input.indexPattern !== null && input.indexPattern !== undefined)
      set('index_pattern', indexPattern(input.indexPattern, 'input.indexPattern'));
    if (input.repository !== null && input.repository !== undefined)
      set('repository', repositoryName(input.repository, 'input.repository'));
    if (input.retentionDays !== null && input.retentionDays !== undefined)
      set('retention_days', boundedInt(input.retentionDays, 'input.retentionDays', 1, MAX_RETENTION_DAYS));
    if (input.intervalMinutes !== null && input.intervalMinutes !== undefined) {
      const interval = boundedInt(input.intervalMinutes, 'input.intervalMinutes', 1, MAX_INTERVAL_MINUTES);
      if (interval !== schedule.intervalMinutes) {
        set('time_interval_minutes', interval);
        // The next run is one new interval after the last scheduled one, or now when that is past.
        params.push(interval, schedule.intervalMinutes);
        sets.push(
          `next_run_time = greatest(now(), next_run_time - make_interval(mins => $${params.length}::int) + make_interval(mins => $${params.length - 1}::int))`,
        );
      }
    }
    if (input.enabled !== null && input.enabled !== undefined) set('enabled', input.enabled);
    sets.push('updated_at = now()');
    await this.insert(`UPDATE ${T.snapshotSchedule} SET ${sets.join(', ')} WHERE id = $1`, params);
    return this.dataSource.getRepository(IndexSnapshotScheduleEntity).findOneByOrFail({ id: schedule.id });
  }

  /** Deletes the schedule (a queued run of it then does nothing); its snapshots stay in the repository. */
  async delete(id: string): Promise<boolean> {
    const schedule = await this.locked(id);
    await this.dataSource.query(`DELETE FROM ${T.snapshotSchedule} WHERE id = $1`, [schedule.id]);
    return true;
  }

  /** Enqueues a run at once (also when disabled); the schedule's grid stays as it is. */
  async runNow(id: string): Promise<JobRow> {
    const schedule = await this.locked(id);
    if (schedule.lastJobId) {
      const last = await this.dataSource.getRepository(JobEntity).findOneBy({ id: schedule.lastJobId });
      if (last && (last.status === 'queued' || last.status === 'running'))
        throw conflict(`Index snapshot schedule ${schedule.name} already has a ${last.status} run (job ${last.id})`);
    }
    const jobId = await this.dataSource.transaction((tx: EntityManager) =>
      enqueueSnapshotRun(new JobQueue(this.dataSource), tx, schedule.id, this.principal.username ?? 'admin', true),
    );
    return this.dataSource.getRepository(JobEntity).findOneByOrFail({ id: jobId });
  }

  private async nameFree(name: string): Promise<void> {
    const taken = (await this.dataSource.query(`SELECT 1 FROM ${T.snapshotSchedule} WHERE name = $1`, [name])) as [];
    if (taken.length > 0) throw conflict(`An index snapshot schedule named ${name} already exists`);
  }

  /** A write whose lost race on the unique name is CONFLICT, not an internal error. */
  private async insert(sql: string, params: unknown[]): Promise<unknown> {
    try {
      return await this.dataSource.query(sql, params);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('An index snapshot schedule of that name already exists');
      throw error;
    }
  }

  /** The schedule, locked for the rest of the mutation; NOT_FOUND when absent (admins only reach here). */
  private async locked(id: string): Promise<IndexSnapshotScheduleRow> {
    const key = parseIntId(id);
    if (key === null) throw notFound('IndexSnapshotSchedule', JSON.stringify(String(id).slice(0, 40)));
    const rows = (await this.dataSource.query(`SELECT id FROM ${T.snapshotSchedule} WHERE id = $1 FOR UPDATE`, [
      key,
    ])) as { id: number }[];
    if (!rows[0]) throw notFound('IndexSnapshotSchedule', key);
    return this.dataSource.getRepository(IndexSnapshotScheduleEntity).findOneByOrFail({ id: key });
  }
}
