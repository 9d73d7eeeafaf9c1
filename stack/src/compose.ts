import { composeServices } from '@apollo/composition';
import { DEFAULT_GATEWAY_PORT, portOffsetOf, SUBGRAPHS, type RegisteredSubgraph } from './registry';

/**
 * Composes the supergraph from every registered subgraph's SDL (the same documents the
 * subgraphs serve). The URLs written into it are the `pnpm start` defaults
 * (each subgraph's `defaultPort`); deployments set `<NAME>_URL` on the gateway,
 * so one committed supergraph serves every environment.
 */
export interface CompositionOutcome {
  /** The subgraphs composed, in registry order. */
  subgraphs: string[];
  supergraphSdl: string | null;
  errors: string[];
  hints: string[];
}

export function composeSupergraph(subgraphs: readonly RegisteredSubgraph[] = SUBGRAPHS): CompositionOutcome {
  const names = subgraphs.map((s) => s.service.name);
  if (subgraphs.length === 0) return { subgraphs: names, supergraphSdl: null, errors: ['No subgraph'], hints: [] };
  const result = composeServices(
    subgraphs.map((subgraph) => ({
      name: subgraph.service.name,
      url: `http://127.0.0.1:${DEFAULT_GATEWAY_PORT + portOffsetOf(subgraph)}/graphql`,
      typeDefs: subgraph.service.typeDefs,
    })),
  );
  if (result.errors) {
    return { subgraphs: names, supergraphSdl: null, errors: result.errors.map((e) => e.toString()), hints: [] };
  }
  return {
    subgraphs: names,
    supergraphSdl: `${result.supergraphSdl.trimEnd()}\n`,
    errors: [],
    hints: result.hints.map((h) => `[${h.definition.code}] ${h.message}`),
  };
}
