import { isUnrestricted, paginate, ScopedService, text, type Connection, type ConnectionArgs } from '@socgraph/shared';
import type { AgentsContext } from '../context';
import { JobEntity, type JobRow } from '../entities';

export interface JobFilter {
  status?: string | null;
  jobType?: string | null;
  queueName?: string | null;
}

/** Background jobs are operators' business: admins and the scheduler read them; others see none. */
export class JobService extends ScopedService<AgentsContext> {
  list(args: ConnectionArgs, filter?: JobFilter | null): Promise<Connection<JobRow>> {
    const query = this.dataSource.getRepository(JobEntity).createQueryBuilder('j');
    query.where(isUnrestricted(this.principal) ? 'TRUE' : 'FALSE');
    if (filter?.status) query.andWhere('j.status = :jf_status', { jf_status: filter.status });
    if (filter?.jobType)
      query.andWhere('j.job_type = :jf_type', { jf_type: text(filter.jobType, 'filter.jobType', { max: 50 }) });
    if (filter?.queueName)
      query.andWhere('j.queue_name = :jf_queue', {
        jf_queue: text(filter.queueName, 'filter.queueName', { max: 100 }),
      });
    return paginate(query, args, [
      { column: 'j.created_at', direction: 'DESC', value: (j) => j.createdAt.toISOString() },
      { column: 'j.id', direction: 'DESC', value: (j) => j.id },
    ]);
  }

  async byId(id: string): Promise<JobRow | null> {
    if (!isUnrestricted(this.principal) || id.length > 36) return null;
    return this.dataSource.getRepository(JobEntity).findOneBy({ id });
  }
}
