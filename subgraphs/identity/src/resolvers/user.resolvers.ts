import { parseIntId, type GraphQLResolverMap } from '@socgraph/shared';
import type { IdentityContext } from '../context';
import type { UserRow } from '../entities';
import { customerFromRaw } from '../loaders';
import type { CreateUserInput, UserFilter } from '../services/user.service';

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export const userResolvers: GraphQLResolverMap<IdentityContext> = {
  Query: {
    me: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.users.me(),
    users: (_: unknown, args: PageArgs & { filter?: UserFilter }, ctx: IdentityContext) =>
      ctx.users.list(args, args.filter),
    user: (_: unknown, args: { id: string }, ctx: IdentityContext) => ctx.users.byId(args.id),
    _userExists: (_: unknown, args: { username: string }, ctx: IdentityContext) => ctx.users.exists(args.username),
  },
  Mutation: {
    createUser: (_: unknown, args: { input: CreateUserInput }, ctx: IdentityContext) => ctx.users.create(args.input),
    setUserTagAccess: (_: unknown, args: { userId: string; tagIds: string[] }, ctx: IdentityContext) =>
      ctx.users.setTagAccess(args.userId, args.tagIds),
    setUserCustomerAccess: (_: unknown, args: { userId: string; customerCodes: string[] }, ctx: IdentityContext) =>
      ctx.users.setCustomerAccess(args.userId, args.customerCodes),
    unlockUser: (_: unknown, args: { id: string }, ctx: IdentityContext) => ctx.users.unlock(args.id),
  },
  User: {
    __resolveReference: (ref: { id?: string; username?: string }, ctx: IdentityContext) =>
      ref.id !== undefined
        ? ctx.users.byId(ref.id)
        : ref.username !== undefined
          ? ctx.users.byUsername(ref.username)
          : null,
    role: (user: UserRow, _: unknown, ctx: IdentityContext) => ctx.loaders.roleById.load(user.roleId),
    customers: async (user: UserRow, _: unknown, ctx: IdentityContext) => {
      ctx.users.requirePrivateAccess(user.id, 'customers');
      return (await ctx.loaders.customersByUserId.load(user.id)).map(customerFromRaw);
    },
    tagAccess: async (user: UserRow, _: unknown, ctx: IdentityContext) => {
      ctx.users.requirePrivateAccess(user.id, 'tag access');
      return (await ctx.loaders.tagIdsByUserId.load(user.id)).map((row) => ({ id: String(row.tagId) }));
    },
    creditBalance: (user: UserRow, _: unknown, ctx: IdentityContext) => {
      ctx.users.requirePrivateAccess(user.id, 'credit balance');
      return user.creditBalanceCents;
    },
    transactions: (user: UserRow, args: PageArgs, ctx: IdentityContext) => ctx.billing.transactions(user.id, args),
    mandates: (user: UserRow, _: unknown, ctx: IdentityContext) => {
      ctx.users.requirePrivateAccess(user.id, 'mandates');
      return ctx.loaders.mandatesByUserId.load(user.id);
    },
    failedLoginCount: (user: UserRow, _: unknown, ctx: IdentityContext) => ctx.users.lockoutOf(user).failedLoginCount,
    lockedUntil: (user: UserRow, _: unknown, ctx: IdentityContext) => ctx.users.lockoutOf(user).lockedUntil,
    apiKeys: (user: UserRow, _: unknown, ctx: IdentityContext) => {
      ctx.users.requirePrivateAccess(user.id, 'API keys');
      return ctx.loaders.apiKeysByUserId.load(user.id);
    },
  },
  ApiKey: {
    prefix: (key: { keyPrefix: string }) => key.keyPrefix,
    owner: async (key: { userId: number }, _: unknown, ctx: IdentityContext) => {
      const id = parseIntId(key.userId);
      return id === null ? null : ctx.loaders.userById.load(id);
    },
  },
};
