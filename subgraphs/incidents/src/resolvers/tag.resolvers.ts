import type { GraphQLResolverMap } from '@socgraph/shared';
import type { IncidentsContext } from '../context';
import type { TagAccessSettingsRow } from '../entities';
import type { TagAccessSettingsInput } from '../services/tag.service';

type Ctx = IncidentsContext;

export const tagResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    tags: (_: unknown, __: unknown, ctx: Ctx) => ctx.tags.list(),
    tagAccessSettings: (_: unknown, __: unknown, ctx: Ctx) => ctx.tags.settings(),
    _tagAccessSettings: (_: unknown, __: unknown, ctx: Ctx) => ctx.tags.settingsForGateway(),
  },
  Mutation: {
    createTag: (_: unknown, args: { name: string }, ctx: Ctx) => ctx.tags.create(args.name),
    updateTagAccessSettings: (_: unknown, args: { input: TagAccessSettingsInput }, ctx: Ctx) =>
      ctx.tags.updateSettings(args.input),
  },
  Tag: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.tags.byId(ref.id),
  },
  TagAccessSettings: {
    defaultTag: (settings: TagAccessSettingsRow, _: unknown, ctx: Ctx) =>
      settings.defaultTagId === null ? null : ctx.loaders.tagById.load(settings.defaultTagId),
  },
};
