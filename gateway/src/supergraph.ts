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

export interface JoinedSubgraph {
  name: string;
  /** The URL the supergraph was composed with: the default when `<NAME>_URL` is not set. */
  url: string | null;
}

/**
 * The subgraphs a supergraph joins (`enum join__Graph { IDENTITY @join__graph(name: "identity", url: ...) }`).
 * Read from the SDL rather than configured: the gateway knows no subgraph by name, and readiness
 * checks exactly what it will call.
 */
export function joinedSubgraphsOf(supergraphSdl: string): JoinedSubgraph[] {
  const joined: JoinedSubgraph[] = [];
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const argument = (name: string) => directive?.arguments?.find((a) => a.name.value === name)?.value;
      const name = argument('name');
      const url = argument('url');
      joined.push({
        name: isString(name) ? name.value : value.name.value.toLowerCase(),
        url: isString(url) ? url.value : null,
      });
    }
  }
  return joined;
}

export const subgraphNamesOf = (supergraphSdl: string): string[] => joinedSubgraphsOf(supergraphSdl).map((s) => s.name);

function isString(value: ConstValueNode | undefined): value is ConstValueNode & { kind: Kind.STRING; value: string } {
  return value?.kind === Kind.STRING;
}
