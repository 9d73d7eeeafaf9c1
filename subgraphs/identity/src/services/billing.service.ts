import { badUserInput, ScopedService, type Connection, type ConnectionArgs } from '@socgraph/shared';
import type { RequestScope } from '../context';
import type { TransactionRow, UsageMetricRow } from '../entities';
import { loadPage } from '../loaders';
import { requireSelfOrAdmin } from './visibility';

/** At most a year and a day of daily rows per read. */
const MAX_USAGE_DAYS = 366;

const isoDay = (value: Date | string, field: string): string => {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw badUserInput(`${field} is not a date`, field);
  return date.toISOString().slice(0, 10);
};

/** Read side of the credit ledger and of usage: the user itself or an admin (and services). */
export class BillingService extends ScopedService<RequestScope> {
  async transactions(userId: number, args: ConnectionArgs): Promise<Connection<TransactionRow>> {
    requireSelfOrAdmin(this.scope.principal, userId, 'transactions');
    return loadPage(this.scope.loaders.transactionPages, userId, args);
  }

  /** Daily rows of [from, to] (UTC days, both included) that have any activity, oldest first. */
  async usage(userId: number, from: Date | string, to: Date | string): Promise<UsageMetricRow[]> {
    requireSelfOrAdmin(this.scope.principal, userId, 'usage');
    const start = isoDay(from, 'from');
    const end = isoDay(to, 'to');
    if (end < start) throw badUserInput('to must not be before from', 'to');
    const days = (Date.parse(end) - Date.parse(start)) / 86_400_000 + 1;
    if (days > MAX_USAGE_DAYS) throw badUserInput(`at most ${MAX_USAGE_DAYS} days per read`, 'to');
    return this.scope.loaders.usageByUserAndRange.load(JSON.stringify([userId, start, end]));
  }
}
