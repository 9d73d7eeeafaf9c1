import type { DataSource } from 'typeorm';
import { requestTransaction } from '../db/request-transaction';
import type { Logger } from '../logger';
import type { BackgroundJob } from '../server/define-subgraph';
import type { SecretBox } from './secret-box';

/** A column holding sealed values; its context (bound into each value) is `schema.table.column`. */
export interface SealedColumn {
  schema: string;
  table: string;
  column: string;
}

export const sealedContextOf = (c: SealedColumn): string => `${c.schema}.${c.table}.${c.column}`;

/**
 * Seals what is not sealed with the current key: values sealed with a key since rotated out of
 * SECRETS_KEY_ID (still opened by SECRETS_PREVIOUS_KEYS), and plaintext from before a column
 * was encrypted. Each value is replaced only if the row still holds the value read, so replicas
 * doing the same at once do not clobber a newer one. Returns how many values were re-sealed.
 */
export async function resealStoredSecrets(
  dataSource: DataSource,
  box: SecretBox,
  columns: readonly SealedColumn[],
): Promise<number> {
  let resealed = 0;
  for (const sealed of columns) {
    const table = `${sealed.schema}.${sealed.table}`;
    const context = sealedContextOf(sealed);
    const rows = (await dataSource.query(
      `SELECT id, ${sealed.column} AS value FROM ${table} WHERE ${sealed.column} IS NOT NULL AND ${sealed.column} NOT LIKE $1`,
      [`v1:${box.currentKeyId}:%`],
    )) as { id: number | string; value: string }[];
    for (const row of rows) {
      if (!box.needsReseal(row.value)) continue;
      const plaintext = box.isSealed(row.value) ? box.open(row.value, context) : row.value;
      const changed = (await dataSource.query(
        `WITH changed AS (UPDATE ${table} SET ${sealed.column} = $3 WHERE id = $1 AND ${sealed.column} = $2 RETURNING id)
         SELECT count(*)::int AS n FROM changed`,
        [row.id, row.value, box.seal(plaintext, context)],
      )) as { n: number }[];
      resealed += changed[0]?.n ?? 0;
    }
  }
  return resealed;
}

/**
 * Re-seals `columns` once at start, off the request path: after a key rotation, every stored
 * value moves to the current key, so the previous key can leave SECRETS_PREVIOUS_KEYS.
 */
export function resealJob(deps: {
  dataSource: DataSource;
  box: () => SecretBox;
  columns: readonly SealedColumn[];
  logger: Logger;
}): BackgroundJob {
  let running: Promise<void> | null = null;
  return {
    name: 'secret-reseal',
    start() {
      running = requestTransaction.detached(async () => {
        try {
          const n = await resealStoredSecrets(deps.dataSource, deps.box(), deps.columns);
          if (n > 0) deps.logger.info({ resealed: n }, 'stored secrets re-sealed with the current key');
        } catch (error) {
          deps.logger.error({ err: error }, 're-sealing stored secrets failed');
        }
      });
    },
    async stop() {
      await running;
    },
  };
}
