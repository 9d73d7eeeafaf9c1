import type { GraphQLResolverMap } from '@socgraph/shared';
import type { IdentityContext } from '../context';
import type { CreateApiKeyInput } from '../services/api-key.service';

export const authResolvers: GraphQLResolverMap<IdentityContext> = {
  Query: {
    _principalForSession: (_: unknown, args: { sessionId: string }, ctx: IdentityContext) =>
      ctx.auth.principalForSession(args.sessionId),
    _principalForApiKey: (_: unknown, args: { secret: string }, ctx: IdentityContext) =>
      ctx.auth.principalForApiKey(args.secret),
  },
  Mutation: {
    login: (_: unknown, args: { username: string; password: string }, ctx: IdentityContext) =>
      ctx.auth.login(args.username, args.password),
    logout: (_: unknown, __: unknown, ctx: IdentityContext) => ctx.auth.logout(),
    createApiKey: (_: unknown, args: { input: CreateApiKeyInput }, ctx: IdentityContext) =>
      ctx.apiKeys.create(args.input),
    revokeApiKey: (_: unknown, args: { id: string }, ctx: IdentityContext) => ctx.apiKeys.revoke(args.id),
  },
};
