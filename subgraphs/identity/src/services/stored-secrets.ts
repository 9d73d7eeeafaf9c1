import {
  badUserInput,
  resealJob,
  secretBoxFromConfig,
  type Logger,
  type SealedColumn,
  type SecretBox,
} from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { IdentityConfig } from '../config';

/**
 * Identity's stored credentials are sealed (AES-256-GCM, key id in each value; see
 * shared/src/crypto/secret-box.ts) and never read back through the API: reads say only
 * `hasSecret`. The context names the column, so a value copied elsewhere does not open.
 */
const boxes = new WeakMap<IdentityConfig, SecretBox>();

export function secretBoxOf(config: IdentityConfig): SecretBox {
  let box = boxes.get(config);
  if (!box) {
    box = secretBoxFromConfig(config);
    boxes.set(config, box);
  }
  return box;
}

/** Seals a given secret for `identity.<table>.<column>`; null and absent stay so. */
export function sealSecret(
  config: IdentityConfig,
  value: string | null | undefined,
  table: string,
  column: string,
  field: string,
): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (value.length === 0 || value.length > 4096) throw badUserInput(`${field} must be 1 to 4096 characters`, field);
  return secretBoxOf(config).seal(value, `identity.${table}.${column}`);
}

/**
 * Every sealed column of identity (the same list the migration redacts from the audit
 * capture): re-sealed with the current key at start, so a rotated-out key can be dropped.
 */
export const IDENTITY_SEALED_COLUMNS: readonly SealedColumn[] = [
  { schema: 'identity', table: 'license', column: 'license_key' },
  { schema: 'identity', table: 'smtp', column: 'smtp_password' },
  { schema: 'identity', table: 'customer_provisioning_default_settings', column: 'cluster_key' },
  { schema: 'identity', table: 'integration_auth_keys', column: 'auth_value' },
  { schema: 'identity', table: 'network_connectors_keys', column: 'auth_value' },
  { schema: 'identity', table: 'connectors', column: 'connector_password' },
  { schema: 'identity', table: 'connectors', column: 'connector_api_key' },
  { schema: 'identity', table: 'customersmeta', column: 'customer_meta_wazuh_auth_password' },
];

/** Re-seals identity's stored credentials at start, off the request path. */
export const identityResealJob = (deps: { dataSource: DataSource; config: IdentityConfig; logger: Logger }) =>
  resealJob({ ...deps, box: () => secretBoxOf(deps.config), columns: IDENTITY_SEALED_COLUMNS });
