import DataLoader from 'dataloader';
import { notFound } from '../errors';
import { parseIntId } from './validate';

/**
 * DataLoader factories for the two shapes every subgraph needs: one row per key (entity
 * references, parents) and many rows per key (children). The batch functions run one SQL
 * statement per tick however many rows ask, which is what keeps statement counts flat.
 */
export function rowLoader<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V | null, string> {
  return new DataLoader<K, V | null, string>(
    async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map(rows.map((row) => [String(keyOf(row)), row]));
      return keys.map((key) => byKey.get(String(key)) ?? null);
    },
    { cacheKeyFn: (key) => String(key), maxBatchSize: 1000 },
  );
}

export function groupLoader<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V[], string> {
  return new DataLoader<K, V[], string>(
    async (keys) => {
      const rows = await fetch(keys);
      const groups = new Map<string, V[]>();
      for (const row of rows) {
        const key = String(keyOf(row));
        const group = groups.get(key);
        if (group) group.push(row);
        else groups.set(key, [row]);
      }
      return keys.map((key) => groups.get(String(key)) ?? []);
    },
    { cacheKeyFn: (key) => String(key), maxBatchSize: 1000 },
  );
}

/** Loads a row by a GraphQL ID that must be an integer id; null when it cannot name a row. */
export function loadByIntId<V>(loader: DataLoader<number, V | null, string>, id: string | number): Promise<V | null> {
  const n = parseIntId(id);
  return n === null ? Promise.resolve(null) : loader.load(n);
}

/** For mutations: an absent or invisible row is NOT_FOUND, never a FORBIDDEN that leaks it exists. */
export function orNotFound<V>(row: V | null, resource: string, id: string | number): V {
  if (row === null) throw notFound(resource, id);
  return row;
}
