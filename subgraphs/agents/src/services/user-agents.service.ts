import {
  isUnrestricted,
  decodeCursor,
  pageSize,
  ScopedService,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { AgentsContext } from '../context';
import type { ExecutionRow, InteractionRow } from '../entities';

/**
 * What agents adds to identity's `User`: the user's executions and agent interactions. They are
 * the user's own business: the user sees them, and admins (and background work) do; for anyone
 * else the connection is empty, exactly as for a user who never ran an agent. (An agent's owner
 * sees the executions of its agent under `Agent.executions`, not under its users.)
 */
export class UserAgentService extends ScopedService<AgentsContext> {
  executions(userId: string, args: ConnectionArgs): Promise<Connection<ExecutionRow>> {
    return this.page(userId, args, 2, (key) => this.scope.loaders.executionsByUser.load(key));
  }

  interactions(userId: string, args: ConnectionArgs): Promise<Connection<InteractionRow>> {
    return this.page(userId, args, 1, (key) => this.scope.loaders.interactionsByUser.load(key));
  }

  private mayRead(userId: string): boolean {
    const p = this.principal;
    return isUnrestricted(p) || (p.kind === 'user' && p.userId !== null && p.userId === userId);
  }

  private async page<R>(
    userId: string,
    args: ConnectionArgs,
    cursorArity: number,
    load: (key: { parent: string; args: ConnectionArgs }) => Promise<Connection<R>>,
  ): Promise<Connection<R>> {
    const pageArgs = { first: args.first ?? null, after: args.after ?? null };
    // Checked even when nothing is loaded, so bad arguments are BAD_USER_INPUT for every caller alike.
    pageSize(pageArgs.first);
    if (pageArgs.after) decodeCursor(pageArgs.after, cursorArity);
    if (typeof userId !== 'string' || userId.length > 64 || !this.mayRead(userId)) return emptyConnection<R>();
    return load({ parent: userId, args: pageArgs });
  }
}

function emptyConnection<R>(): Connection<R> {
  return { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: () => Promise.resolve(0) };
}
