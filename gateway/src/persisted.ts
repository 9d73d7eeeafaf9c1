import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { InMemoryLRUCache, PrefixingKeyValueCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import {
  Kind,
  parse,
  print,
  validate,
  visit,
  type ASTNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { z } from 'zod';

/**
 * Persisted operations: the safelist manifest that `pnpm persisted` writes from
 * `gateway/operations/*.graphql` (Apollo's manifest format, id = sha256 of the body), and the
 * APQ cache the gateway hands Apollo Server, which answers manifest ids first and never lets
 * an APQ registration replace one.
 */

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface PersistedQueryManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  operations: ManifestOperation[];
}

const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().regex(/^[0-9a-f]{64}$/),
      name: z.string().min(1),
      type: z.enum(['query', 'mutation', 'subscription']),
      body: z.string().min(1),
    }),
  ),
});

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The manifest as the gateway uses it: looked up by id on the hot path, parsed once at start. */
export interface Safelist {
  get(id: string): ManifestOperation | undefined;
  has(id: string): boolean;
  readonly size: number;
  readonly names: readonly string[];
  /** Every operation of the manifest (the gateway plans them at start). */
  readonly operations: readonly ManifestOperation[];
}

export function safelistOf(manifest: PersistedQueryManifest): Safelist {
  const byId = new Map(manifest.operations.map((operation) => [operation.id, operation]));
  const names = manifest.operations.map((operation) => operation.name);
  return {
    get: (id) => byId.get(id),
    has: (id) => byId.has(id),
    size: byId.size,
    names,
    operations: manifest.operations,
  };
}

export const EMPTY_SAFELIST: Safelist = safelistOf({ format: MANIFEST_FORMAT, version: 1, operations: [] });

/** Reads and checks a manifest: format, and every id really being its body's hash. */
export function readManifest(file: string): PersistedQueryManifest {
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not an Apollo persisted query manifest: ${parsed.error.message}`);
  for (const operation of parsed.data.operations) {
    if (sha256Hex(operation.body) !== operation.id) {
      throw new Error(`${file}: the id of ${operation.name} is not the sha256 of its body; run \`pnpm persisted\``);
    }
  }
  return parsed.data as PersistedQueryManifest;
}

function fragmentsUsedBy(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>) {
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: DefinitionNode[] = [operation];
  while (pending.length) {
    const next = pending.pop();
    if (!next) break;
    visit(next, {
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...used.values()].sort((a, b) => a.name.value.localeCompare(b.name.value));
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/**
 * `__typename` in every selection set, as Apollo Client's `addTypenameToDocument` (which
 * Apollo's own manifest generator applies) does it: not in the operation's root selection,
 * not where `__typename` or an introspection field (`__schema`, `__type`) is already
 * selected, not under an `@export`ed field. Apollo Client's cache needs the type of every
 * object to match fragments (`... on Customer`) and normalise by id; without it a client
 * gets `{}` for fragment fields.
 */
export function addTypename<T extends DocumentNode | DefinitionNode>(node: T): T {
  return visit(node, {
    SelectionSet: {
      enter(selectionSet, _key, parent) {
        if (isNode(parent) && parent.kind === Kind.OPERATION_DEFINITION) return undefined;
        const skip = selectionSet.selections.some(
          (selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'),
        );
        if (skip) return undefined;
        if (isNode(parent) && parent.kind === Kind.FIELD && parent.directives?.some((d) => d.name.value === 'export')) {
          return undefined;
        }
        return { ...selectionSet, selections: [...selectionSet.selections, TYPENAME] };
      },
    },
  });
}

const isNode = (value: unknown): value is ASTNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value;

/**
 * One manifest entry per named operation in the `.graphql` files of `dir` (sorted by name);
 * each body is the printed operation followed by the fragments it uses, so it runs alone, with
 * `__typename` added as Apollo's manifest generator adds it (see addTypename).
 */
export function buildManifest(dir: string): { manifest: PersistedQueryManifest; errors: string[] } {
  const errors: string[] = [];
  const operations: ManifestOperation[] = [];
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort();
  const documents: { file: string; document: DocumentNode }[] = [];
  for (const file of files) {
    try {
      documents.push({ file, document: parse(readFileSync(path.join(dir, file), 'utf8')) });
    } catch (error) {
      errors.push(`${file}: ${(error as Error).message}`);
    }
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const { document } of documents) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
  }
  const seen = new Set<string>();
  for (const { file, document } of documents) {
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const name = definition.name?.value;
      if (!name) {
        errors.push(`${file}: every persisted operation needs a name`);
        continue;
      }
      if (seen.has(name)) errors.push(`${file}: operation name ${name} is used twice`);
      seen.add(name);
      const body = print(
        addTypename({ kind: Kind.DOCUMENT, definitions: [definition, ...fragmentsUsedBy(definition, fragments)] }),
      );
      operations.push({ id: sha256Hex(body), name, type: definition.operation, body });
    }
  }
  operations.sort((a, b) => a.name.localeCompare(b.name));
  return { manifest: { format: MANIFEST_FORMAT, version: 1, operations }, errors };
}

/** Validates every operation against the supergraph's public (API) schema. */
export function validateManifest(manifest: PersistedQueryManifest, supergraphSdl: string): string[] {
  const schema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const errors: string[] = [];
  for (const operation of manifest.operations) {
    for (const error of validate(schema, parse(operation.body))) errors.push(`${operation.name}: ${error.message}`);
  }
  return errors;
}

export const manifestJson = (manifest: PersistedQueryManifest): string => `${JSON.stringify(manifest, null, 2)}\n`;

/**
 * The APQ cache given to Apollo Server. Manifest ids resolve from the manifest (no store
 * round trip) and writes to them are ignored, so APQ can never replace a safelisted body.
 * Other ids go to the store: memory, or Redis when REDIS_URL is set.
 */
export function persistedQueryCache(safelist: Safelist, store: KeyValueCache<string>): KeyValueCache<string> {
  const cache: KeyValueCache<string> = {
    async get(id) {
      return safelist.get(id)?.body ?? (await store.get(id));
    },
    async set(id, query, options) {
      if (safelist.has(id)) return;
      await store.set(id, query, options);
    },
    async delete(id) {
      if (safelist.has(id)) return false;
      return store.delete(id);
    },
  };
  // Keys reach us unprefixed: the Redis store adds its own prefix.
  return PrefixingKeyValueCache.cacheDangerouslyDoesNotNeedPrefixesForIsolation(cache);
}

/** The in-memory APQ store: ~10 MB of query text, least recently used evicted first. */
export const memoryApqStore = (): KeyValueCache<string> => new InMemoryLRUCache<string>({ maxSize: 10 * 1024 * 1024 });
