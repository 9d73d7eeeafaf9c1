import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Per-request scope carried through async calls: the request id (for logs and masked
 * errors) and the number of SQL statements the request ran in this process. The database
 * logger counts into it, so tests can prove a query's statement count does not grow with
 * its page size.
 */
interface Scope {
  requestId: string;
  statements: number;
  /** When no caller waits for this request any more (epoch ms), if known. */
  deadline?: number;
}

const storage = new AsyncLocalStorage<Scope>();

/** Statement totals by request id, kept for the most recent requests only. */
const MAX_REMEMBERED = 2_000;
const totals = new Map<string, number>();

function remember(requestId: string, count: number): void {
  totals.set(requestId, (totals.get(requestId) ?? 0) + count);
  if (totals.size > MAX_REMEMBERED) {
    const oldest = totals.keys().next().value;
    if (oldest !== undefined) totals.delete(oldest);
  }
}

export const requestScope = {
  /** Runs `fn` in a new scope; its statement count is added to the request id's total. */
  async run<T>(requestId: string, fn: () => Promise<T>, options: { deadline?: number } = {}): Promise<T> {
    const scope: Scope = {
      requestId,
      statements: 0,
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
    };
    try {
      return await storage.run(scope, fn);
    } finally {
      remember(requestId, scope.statements);
    }
  },
  requestId(): string | undefined {
    return storage.getStore()?.requestId;
  },
  /**
   * Milliseconds left before the request's deadline (never below 0), or undefined without one.
   * Everything a request waits for (service calls, subgraph fetches, SQL) is bounded by it.
   */
  remainingMs(): number | undefined {
    const deadline = storage.getStore()?.deadline;
    return deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
  },
  /** Runs `fn` outside any request scope (background work started from inside a request). */
  detached<T>(fn: () => T): T {
    return storage.exit(fn);
  },
  countStatement(): void {
    const scope = storage.getStore();
    if (scope) scope.statements += 1;
  },
  /** SQL statements this process ran for a request id (all its subgraph calls together). */
  statementsFor(requestId: string): number {
    return totals.get(requestId) ?? 0;
  },
};
