import { badUserInput, secretBoxFromConfig, type SecretBox } from '@socgraph/shared';
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
