import { Kind, type DocumentNode, type GraphQLScalarType } from 'graphql';
import {
  DateResolver,
  DateTimeResolver,
  EmailAddressResolver,
  HexColorCodeResolver,
  IPResolver,
  JSONObjectResolver,
  JSONResolver,
  LatitudeResolver,
  LongitudeResolver,
  NonNegativeIntResolver,
  PositiveIntResolver,
  UUIDResolver,
} from 'graphql-scalars';

/** The graphql-scalars the API uses (api.md), by the name a schema declares them with. */
const SCALARS: Record<string, GraphQLScalarType> = {
  Date: DateResolver,
  DateTime: DateTimeResolver,
  EmailAddress: EmailAddressResolver,
  HexColorCode: HexColorCodeResolver,
  IP: IPResolver,
  JSON: JSONResolver,
  JSONObject: JSONObjectResolver,
  Latitude: LatitudeResolver,
  Longitude: LongitudeResolver,
  NonNegativeInt: NonNegativeIntResolver,
  PositiveInt: PositiveIntResolver,
  UUID: UUIDResolver,
};

/**
 * Resolvers for the scalars a schema document declares (`scalar DateTime`), so each
 * subgraph's SDL stays the single list of what it uses.
 */
export function scalarResolversFor(typeDefs: DocumentNode): Record<string, GraphQLScalarType> {
  const resolvers: Record<string, GraphQLScalarType> = {};
  for (const def of typeDefs.definitions) {
    if (def.kind !== Kind.SCALAR_TYPE_DEFINITION) continue;
    const scalar = SCALARS[def.name.value];
    if (!scalar) throw new Error(`Unknown scalar ${def.name.value}: add it to shared/src/graphql/scalars.ts`);
    resolvers[def.name.value] = scalar;
  }
  return resolvers;
}
