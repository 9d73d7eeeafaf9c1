import { badUserInput, requireService, ScopedService, type Connection, type ConnectionArgs } from '@socgraph/shared';
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

export interface ApiRequestCount {
  userId: string;
  day: Date | string;
  requests: number;
}

/** The most counts one report may carry (the gateway sends one per user and day it saw). */
const MAX_COUNTS = 1000;

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

  /**
   * For the gateway: adds the GraphQL requests it counted per user and UTC day to the usage
   * rows, in one statement. Counts of users that no longer exist are dropped; a day more than a
   * day away from today is BAD_USER_INPUT (a replica's stale or skewed clock, not usage).
   * Returns how many counts were applied.
   */
  async recordApiRequests(counts: readonly ApiRequestCount[]): Promise<number> {
    requireService(this.scope.principal);
    if (counts.length > MAX_COUNTS) throw badUserInput(`at most ${MAX_COUNTS} counts per report`, 'counts');
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    const userIds: number[] = [];
    const days: string[] = [];
    const requests: number[] = [];
    counts.forEach((count, i) => {
      const field = `counts.${i}`;
      const userId = Number(count.userId);
      if (!Number.isSafeInteger(userId) || userId <= 0) throw badUserInput(`${field}.userId is not a user id`, field);
      const day = isoDay(count.day, `${field}.day`);
      if (Math.abs(Date.parse(day) - today) > 86_400_000) throw badUserInput(`${field}.day is not today`, field);
      if (!Number.isSafeInteger(count.requests) || count.requests < 1 || count.requests > 10_000_000) {
        throw badUserInput(`${field}.requests must be 1 to 10000000`, field);
      }
      userIds.push(userId);
      days.push(day);
      requests.push(count.requests);
    });
    if (!userIds.length) return 0;
    const applied = (await this.scope.deps.dataSource.query(
      `WITH given AS (
         SELECT g.user_id, g.day, sum(g.n)::int AS n
           FROM unnest($1::int[], $2::date[], $3::int[]) AS g (user_id, day, n)
           JOIN identity.users u ON u.id = g.user_id
          GROUP BY g.user_id, g.day),
       written AS (
         INSERT INTO identity.usage_metrics AS m (user_id, day, api_requests)
         SELECT user_id, day, n FROM given
         ON CONFLICT (user_id, day) DO UPDATE SET api_requests = m.api_requests + EXCLUDED.api_requests, updated_at = now()
         RETURNING 1)
       SELECT count(*)::int AS n FROM written`,
      [userIds, days, requests],
    )) as { n: number }[];
    return applied[0]?.n ?? 0;
  }
}
