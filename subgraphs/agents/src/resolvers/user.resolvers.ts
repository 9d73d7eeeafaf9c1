import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AgentsContext } from '../context';

type Ctx = AgentsContext;

/** Identity's User as agents sees it: the key only. */
interface UserRef {
  id: string;
}

export const userResolvers: GraphQLResolverMap<Ctx> = {
  User: {
    // Only the key: who may read a user's executions is decided by each field.
    __resolveReference: (ref: UserRef): UserRef => ({ id: String(ref.id) }),
    agentExecutions: (user: UserRef, args: ConnectionArgs, ctx: Ctx) => ctx.userAgents.executions(user.id, args),
    agentInteractions: (user: UserRef, args: ConnectionArgs, ctx: Ctx) => ctx.userAgents.interactions(user.id, args),
  },
};
