import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';

export type { GraphQLResolverMap };

/** Merges per-area resolver maps (one file per type or area) type by type. */
export function mergeResolvers<TContext>(...parts: GraphQLResolverMap<TContext>[]): GraphQLResolverMap<TContext> {
  const merged: Record<string, object> = {};
  for (const part of parts) {
    for (const [typeName, fields] of Object.entries(part)) {
      merged[typeName] = { ...merged[typeName], ...(fields as object) };
    }
  }
  return merged as GraphQLResolverMap<TContext>;
}
