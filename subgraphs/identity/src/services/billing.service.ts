import { paginate, ScopedService, type Connection, type ConnectionArgs } from '@socgraph/shared';
import type { RequestScope } from '../context';
import { TransactionEntity, type TransactionRow } from '../entities';
import { requireSelfOrAdmin } from './visibility';

/** Read side of the credit ledger; charging arrives with the agents subgraph. */
export class BillingService extends ScopedService<RequestScope> {
  async transactions(userId: number, args: ConnectionArgs): Promise<Connection<TransactionRow>> {
    requireSelfOrAdmin(this.scope.principal, userId, 'transactions');
    const query = this.scope.deps.dataSource
      .getRepository(TransactionEntity)
      .createQueryBuilder('t')
      .where('t.user_id = :userId', { userId });
    // Newest first; the id breaks ties between entries of the same instant.
    return paginate(query, args, [
      { column: 't.created_at', direction: 'DESC', value: (t) => t.createdAt.toISOString() },
      { column: 't.id', direction: 'DESC', value: (t) => t.id },
    ]);
  }
}
