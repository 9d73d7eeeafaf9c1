import { isScalarType, Kind, type DocumentNode, type GraphQLScalarType, type GraphQLSchema } from 'graphql';
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

/**
 * Gives a schema built elsewhere (the gateway's, from the supergraph, where every custom scalar
 * accepts any value) the input checks of the API's scalars: a bad `DateTime` or `EmailAddress`,
 * inline or as a variable, is refused before a query plan sends it to a subgraph. Output is left
 * as the subgraphs serialized it.
 */
export function enforceScalarInputs(schema: GraphQLSchema): void {
  for (const [name, definition] of Object.entries(SCALARS)) {
    const type = schema.getType(name);
    if (!isScalarType(type) || type === definition) continue;
    // A plain Error lets graphql-js name the expected type in its message ("Expected value of type ...").
    type.parseValue = (value) => plainErrors(() => definition.parseValue(value));
    type.parseLiteral = (node, variables) => plainErrors(() => definition.parseLiteral(node, variables));
  }
}

function plainErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
