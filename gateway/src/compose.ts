import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPH_NAMES, type SubgraphName } from './config';

/**
 * Composes the supergraph from the subgraphs' SDL files. The URLs written into it are
 * placeholders (`http://localhost:400N/graphql`): the gateway takes real ones from config by
 * subgraph name, so one committed supergraph serves every environment.
 */

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const schemaPathOf = (name: SubgraphName, repoRoot = REPO_ROOT): string =>
  path.join(repoRoot, 'subgraphs', name, 'src', 'schema.graphql');

export interface CompositionOutcome {
  /** The subgraphs found (those with a schema.graphql), in the canonical order. */
  subgraphs: SubgraphName[];
  supergraphSdl: string | null;
  errors: string[];
  hints: string[];
}

export function composeSupergraph(repoRoot = REPO_ROOT): CompositionOutcome {
  const subgraphs = SUBGRAPH_NAMES.filter((name) => existsSync(schemaPathOf(name, repoRoot)));
  if (subgraphs.length === 0) {
    return { subgraphs, supergraphSdl: null, errors: ['No subgraph has a src/schema.graphql'], hints: [] };
  }
  const services = [];
  const errors: string[] = [];
  for (const name of subgraphs) {
    const file = schemaPathOf(name, repoRoot);
    try {
      services.push({
        name,
        url: `http://localhost:${4001 + SUBGRAPH_NAMES.indexOf(name)}/graphql`,
        typeDefs: parse(readFileSync(file, 'utf8')),
      });
    } catch (error) {
      errors.push(`${path.relative(repoRoot, file)}: ${(error as Error).message}`);
    }
  }
  if (errors.length) return { subgraphs, supergraphSdl: null, errors, hints: [] };

  const result = composeServices(services);
  if (result.errors) {
    return { subgraphs, supergraphSdl: null, errors: result.errors.map((e) => e.toString()), hints: [] };
  }
  return {
    subgraphs,
    supergraphSdl: `${result.supergraphSdl.trimEnd()}\n`,
    errors: [],
    hints: result.hints.map((h) => `[${h.definition.code}] ${h.message}`),
  };
}
