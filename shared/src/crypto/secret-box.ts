import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Credentials stored at rest (a GitHub token, a payment provider's key), and the answers kept
 * for idempotent replays (server/idempotent-execution.ts), are sealed with
 * AES-256-GCM under a named key, in one versioned text format:
 *
 *   v1:<keyId>:<iv>:<tag>:<ciphertext>      (iv, tag and ciphertext base64url; iv 12 bytes, tag 16)
 *
 * The key id says which key of the keyring opens a value, so keys rotate without a flag day: a
 * new SECRETS_KEY_ID/SECRETS_ENCRYPTION_KEY seals new values, the old key stays in
 * SECRETS_PREVIOUS_KEYS until every row has been re-sealed (`needsReseal`). The caller names
 * what a value is (`context`, e.g. `audit.github_audit_config.github_token`): it is bound as
 * GCM's additional data, so a sealed value copied into another column does not open there.
 */
export const SEALED_PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Why a value does not open: `unknown-key` may pass once the key is configured (a rotation
 * still rolling out); the others never will. `config` is a keyring that cannot be built.
 */
export type SecretBoxFailure = 'config' | 'not-sealed' | 'unknown-key' | 'malformed' | 'altered';

export class SecretBoxError extends Error {
  constructor(
    message: string,
    readonly reason: SecretBoxFailure = 'config',
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export interface SecretKeyring {
  /** The key id new values are sealed with. */
  currentKeyId: string;
  /** Every key that may open a value, the current one included: id -> 32 bytes. */
  keys: ReadonlyMap<string, Buffer>;
}

export interface SecretBox {
  readonly currentKeyId: string;
  seal(plaintext: string, context: string): string;
  /** Throws SecretBoxError for a value that is not sealed, names an unknown key, or was altered. */
  open(sealed: string, context: string): string;
  /** Whether a stored value is sealed at all (a legacy plaintext row is not). */
  isSealed(value: string): boolean;
  /** Sealed under another key than the current one (or not sealed): re-seal it. */
  needsReseal(value: string): boolean;
}

function decodeKey(value: string, name: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`${name} must be ${KEY_BYTES} bytes, base64-encoded`);
  return key;
}

export function createSecretBox(keyring: SecretKeyring): SecretBox {
  const current = keyring.keys.get(keyring.currentKeyId);
  if (!current) throw new SecretBoxError(`No key ${keyring.currentKeyId} in the keyring`);
  for (const [id, key] of keyring.keys) {
    if (!KEY_ID.test(id)) throw new SecretBoxError(`Key id ${id} must be 1-32 letters, digits, - or _`);
    if (key.length !== KEY_BYTES) throw new SecretBoxError(`Key ${id} must be ${KEY_BYTES} bytes`);
  }
  const parts = (sealed: string) => {
    const [version, keyId, iv, tag, ciphertext, ...rest] = sealed.split(':');
    if (`${version}:` !== SEALED_PREFIX || !keyId || !iv || !tag || ciphertext === undefined || rest.length)
      return null;
    return { keyId, iv, tag, ciphertext };
  };
  return {
    currentKeyId: keyring.currentKeyId,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        'v1',
        keyring.currentKeyId,
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        ciphertext.toString('base64url'),
      ].join(':');
    },
    open(sealed, context) {
      const p = parts(sealed);
      if (!p) throw new SecretBoxError('Not a sealed value', 'not-sealed');
      const key = keyring.keys.get(p.keyId);
      if (!key) throw new SecretBoxError(`Sealed with key ${p.keyId}, which the keyring lacks`, 'unknown-key');
      const iv = Buffer.from(p.iv, 'base64url');
      const tag = Buffer.from(p.tag, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
        throw new SecretBoxError('Malformed sealed value', 'malformed');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(p.ciphertext, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SecretBoxError('Sealed value does not open: altered, or sealed for another context', 'altered');
      }
    },
    isSealed: (value) => parts(value) !== null,
    needsReseal: (value) => parts(value)?.keyId !== keyring.currentKeyId,
  };
}

/**
 * The settings of a service that stores credentials. SECRETS_ENCRYPTION_KEY: 32 random bytes,
 * base64 (`openssl rand -base64 32`); SECRETS_KEY_ID: its name, stored with every value;
 * SECRETS_PREVIOUS_KEYS: `id:base64key,id:base64key`, keys that still open older values.
 */
export const secretsConfigSchema = z.object({
  SECRETS_ENCRYPTION_KEY: z.string().refine((v) => Buffer.from(v, 'base64').length === KEY_BYTES, {
    message: `must be ${KEY_BYTES} bytes, base64-encoded`,
  }),
  SECRETS_KEY_ID: z.string().regex(KEY_ID, 'must be 1-32 letters, digits, - or _').default('k1'),
  SECRETS_PREVIOUS_KEYS: z.string().default(''),
});
export type SecretsConfig = z.infer<typeof secretsConfigSchema>;

export function secretBoxFromConfig(config: SecretsConfig): SecretBox {
  const keys = new Map<string, Buffer>();
  for (const entry of config.SECRETS_PREVIOUS_KEYS.split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf(':');
    if (at <= 0) throw new SecretBoxError('SECRETS_PREVIOUS_KEYS: entries are id:base64key');
    keys.set(entry.slice(0, at), decodeKey(entry.slice(at + 1), `SECRETS_PREVIOUS_KEYS ${entry.slice(0, at)}`));
  }
  keys.set(config.SECRETS_KEY_ID, decodeKey(config.SECRETS_ENCRYPTION_KEY, 'SECRETS_ENCRYPTION_KEY'));
  return createSecretBox({ currentKeyId: config.SECRETS_KEY_ID, keys });
}
