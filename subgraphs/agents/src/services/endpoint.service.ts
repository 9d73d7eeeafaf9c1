import {
  ConditionBuilder,
  and,
  paginate,
  ScopedService,
  type Connection,
  type ConnectionArgs,
  type SqlCondition,
} from '@socgraph/shared';
import type { AgentsContext } from '../context';
import { EndpointAgentEntity, type EndpointAgentRow } from '../entities';
import { endpointVisibility } from './visibility';

export interface EndpointAgentFilter {
  customerCode?: string | null;
  quarantined?: boolean | null;
  status?: string | null;
}

function filterCondition(filter: EndpointAgentFilter | null | undefined, alias: string): SqlCondition {
  return new ConditionBuilder(alias)
    .equals('customer_code', filter?.customerCode, 'filter.customerCode', 50)
    .equalsValue('quarantined', filter?.quarantined)
    .equals('status', filter?.status, 'filter.status', 50)
    .build();
}

/** Endpoint agents (seed 004): every path is filtered by the shared customer scope. */
export class EndpointAgentService extends ScopedService<AgentsContext> {
  list(args: ConnectionArgs, filter?: EndpointAgentFilter | null): Promise<Connection<EndpointAgentRow>> {
    const condition = and(endpointVisibility(this.principal, 'e'), filterCondition(filter, 'e'));
    const query = this.dataSource
      .getRepository(EndpointAgentEntity)
      .createQueryBuilder('e')
      .where(condition.sql, condition.params);
    return paginate(query, args, [
      { column: 'e.customer_code', direction: 'ASC', value: (e) => e.customerCode },
      { column: 'e.agent_id', direction: 'ASC', value: (e) => e.agentId },
    ]);
  }

  /** null when absent or outside the caller's customers (also for incidents' `Asset.agent`). */
  byAgentId(agentId: string): Promise<EndpointAgentRow | null> {
    if (typeof agentId !== 'string' || agentId.length > 255) return Promise.resolve(null);
    return this.scope.loaders.visibleEndpointById.load(agentId);
  }
}
