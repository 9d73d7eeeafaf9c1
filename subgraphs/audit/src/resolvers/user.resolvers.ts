import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { AuditContext } from '../context';
import type { UserAuthEventFilter } from '../services/auth-event.service';

type Ctx = AuditContext;

/** Identity's User as audit sees it: the key, and the username when a field `@requires` it. */
interface UserRef {
  id: string;
  username?: string;
}

export const userResolvers: GraphQLResolverMap<Ctx> = {
  User: {
    // Only the key: whether the caller may read a user's history is decided by each field.
    __resolveReference: (ref: UserRef): UserRef => ({ id: ref.id, username: ref.username }),
    authEvents: (user: UserRef, args: ConnectionArgs & { filter?: UserAuthEventFilter | null }, ctx: Ctx) =>
      ctx.authEvents.forUser(user.id, args, args.filter),
    auditEntries: (user: UserRef, args: ConnectionArgs, ctx: Ctx) => ctx.entries.byActor(user.username, args),
  },
};
