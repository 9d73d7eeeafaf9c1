import type { GraphQLResolverMap } from '@socgraph/shared';
import type { IdentityContext } from '../context';
import type { RoleRow } from '../entities';
import type { CreateCustomerInput } from '../services/customer.service';

export const customerResolvers: GraphQLResolverMap<IdentityContext> = {
  Query: {
    customers: (_: unknown, args: { first?: number | null; after?: string | null }, ctx: IdentityContext) =>
      ctx.customers.list(args),
    customer: (_: unknown, args: { code: string }, ctx: IdentityContext) => ctx.customers.byCode(args.code),
    roles: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.roles.list(),
  },
  Mutation: {
    createCustomer: (_: unknown, args: { input: CreateCustomerInput }, ctx: IdentityContext) =>
      ctx.customers.create(args.input),
    setRoleTagAccess: (_: unknown, args: { role: string; tagIds: string[] }, ctx: IdentityContext) =>
      ctx.roles.setTagAccess(args.role, args.tagIds),
  },
  Customer: {
    __resolveReference: (ref: { code: string }, ctx: IdentityContext) => ctx.customers.byCode(ref.code),
  },
  Role: {
    tagAccess: async (role: RoleRow, _: unknown, ctx: IdentityContext) =>
      (await ctx.loaders.tagIdsByRoleId.load(role.id)).map((row) => ({ id: String(row.tagId) })),
  },
};
