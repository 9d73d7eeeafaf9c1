import { resealJob, sealedContextOf, secretBoxFromConfig, type SealedColumn, type SecretBox } from '@socgraph/shared';
import type { Logger } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { AuditConfig } from '../config';

/** Audit's sealed columns: re-sealed at start after a key rotation (and plaintext from before encryption). */
export const AUDIT_SEALED_COLUMNS: readonly SealedColumn[] = [
  { schema: 'audit', table: 'github_audit_config', column: 'github_token' },
];

/** What a sealed GitHub token is (bound into its ciphertext, see shared/src/crypto/secret-box.ts). */
export const GITHUB_TOKEN_CONTEXT = sealedContextOf(AUDIT_SEALED_COLUMNS[0]!);

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

/** Re-seals audit's stored secrets at start, off the request path. */
export const auditResealJob = (deps: { dataSource: DataSource; config: AuditConfig; logger: Logger }) =>
  resealJob({ ...deps, box: () => secretBoxOf(deps.config), columns: AUDIT_SEALED_COLUMNS });
