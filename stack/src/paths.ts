import path from 'node:path';

/** The repository's root (this file is stack/src/paths.ts). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where `pnpm compose` writes the supergraph the gateway serves (the gateway's SUPERGRAPH_PATH default). */
export const SUPERGRAPH_PATH = path.join(REPO_ROOT, 'gateway', 'supergraph.graphql');
