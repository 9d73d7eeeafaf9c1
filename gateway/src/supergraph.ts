import { readFileSync } from 'node:fs';
import { Kind, parse, type ConstValueNode } from 'graphql';

/** Reads the committed supergraph (made by `pnpm compose`), with a hint when it is missing. */
export function readSupergraph(filePath: string): string {
  try {
    return readFileSync(filePath, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the supergraph at ${filePath}: run \`pnpm compose\` first`, { cause: error });
  }
}

/**
 * The subgraph names a supergraph joins (`enum join__Graph { IDENTITY @join__graph(name: "identity", ...) }`).
 * Read from the SDL rather than configured, so readiness checks exactly what the gateway will call.
 */
export function subgraphNamesOf(supergraphSdl: string): string[] {
  const names: string[] = [];
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = directive?.arguments?.find((a) => a.name.value === 'name')?.value;
      names.push(isString(name) ? name.value : value.name.value.toLowerCase());
    }
  }
  return names;
}

function isString(value: ConstValueNode | undefined): value is ConstValueNode & { kind: Kind.STRING; value: string } {
  return value?.kind === Kind.STRING;
}
