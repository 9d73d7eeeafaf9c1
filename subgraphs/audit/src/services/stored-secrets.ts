import {
  requestTransaction,
  secretBoxFromConfig,
  type BackgroundJob,
  type Logger,
  type SecretBox,
} from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { AuditConfig } from '../config';

/** What a sealed GitHub token is (bound into its ciphertext, see shared/src/crypto/secret-box.ts). */
export const GITHUB_TOKEN_CONTEXT = 'audit.github_audit_config.github_token';

// One keyring per configuration, decoded once.
const boxes = new WeakMap<AuditConfig, SecretBox>();

export function secretBoxOf(config: AuditConfig): SecretBox {
  let box = boxes.get(config);
  if (!box) {
    box = secretBoxFromConfig(config);
    boxes.set(config, box);
  }
  return box;
}

/**
 * Seals what is not sealed with the current key: rows stored in plaintext before tokens were
 * encrypted, and rows sealed with a key since rotated out of SECRETS_KEY_ID (still opened by
 * SECRETS_PREVIOUS_KEYS). Each row is replaced only if it still holds the value read, so
 * replicas doing the same at once do not clobber a newer token. Returns how many were re-sealed.
 */
export async function resealStoredSecrets(dataSource: DataSource, box: SecretBox): Promise<number> {
  const rows = (await dataSource.query(
    `SELECT id, github_token FROM audit.github_audit_config WHERE github_token NOT LIKE $1`,
    [`v1:${box.currentKeyId}:%`],
  )) as { id: number; github_token: string }[];
  let resealed = 0;
  for (const row of rows) {
    if (!box.needsReseal(row.github_token)) continue;
    const plaintext = box.isSealed(row.github_token)
      ? box.open(row.github_token, GITHUB_TOKEN_CONTEXT)
      : row.github_token;
    const changed = (await dataSource.query(
      `WITH changed AS (UPDATE audit.github_audit_config SET github_token = $3 WHERE id = $1 AND github_token = $2 RETURNING id)
       SELECT count(*)::int AS n FROM changed`,
      [row.id, row.github_token, box.seal(plaintext, GITHUB_TOKEN_CONTEXT)],
    )) as { n: number }[];
    resealed += changed[0]?.n ?? 0;
  }
  return resealed;
}

/** Re-seals at start (after a rotation, or over rows from before encryption), off the request path. */
export function resealJob(deps: { dataSource: DataSource; config: AuditConfig; logger: Logger }): BackgroundJob {
  let running: Promise<void> | null = null;
  return {
    name: 'secret-reseal',
    start() {
      running = requestTransaction.detached(async () => {
        try {
          const n = await resealStoredSecrets(deps.dataSource, secretBoxOf(deps.config));
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
