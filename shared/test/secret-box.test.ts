import { randomBytes } from 'node:crypto';
import { secretBoxFromConfig, secretsConfigSchema, SecretBoxError } from '../src';

const key = () => randomBytes(32).toString('base64');
const CONTEXT = 'test.table.column';

describe('the secret box', () => {
  const k1 = key();
  const box = secretBoxFromConfig({ SECRETS_ENCRYPTION_KEY: k1, SECRETS_KEY_ID: 'k1', SECRETS_PREVIOUS_KEYS: '' });

  it('seals as v1:<keyId>:<iv>:<tag>:<ciphertext>, a fresh iv each time, and opens what it sealed', () => {
    const a = box.seal('ghp_secret', CONTEXT);
    const b = box.seal('ghp_secret', CONTEXT);
    expect(a).toMatch(/^v1:k1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('ghp_secret');
    expect(box.open(a, CONTEXT)).toBe('ghp_secret');
    expect(box.isSealed(a)).toBe(true);
    expect(box.isSealed('ghp_secret')).toBe(false);
    expect(box.needsReseal(a)).toBe(false);
  });

  it('refuses an altered value, another context, an unknown key and plaintext', () => {
    const sealed = box.seal('ghp_secret', CONTEXT);
    const parts = sealed.split(':');
    const flipped = Buffer.from(parts[4]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    parts[4] = flipped.toString('base64url');
    expect(() => box.open(parts.join(':'), CONTEXT)).toThrow(SecretBoxError);
    expect(() => box.open(sealed, 'other.table.column')).toThrow(SecretBoxError);
    expect(() => box.open(sealed.replace('v1:k1:', 'v1:k9:'), CONTEXT)).toThrow(/k9/);
    expect(() => box.open('ghp_secret', CONTEXT)).toThrow(SecretBoxError);
  });

  it('rotates: the new key seals, the previous ones still open, old values need a reseal', () => {
    const rotated = secretBoxFromConfig({
      SECRETS_ENCRYPTION_KEY: key(),
      SECRETS_KEY_ID: 'k2',
      SECRETS_PREVIOUS_KEYS: `k1:${k1}`,
    });
    const old = box.seal('ghp_old', CONTEXT);
    expect(rotated.open(old, CONTEXT)).toBe('ghp_old');
    expect(rotated.needsReseal(old)).toBe(true);
    expect(rotated.seal('x', CONTEXT)).toMatch(/^v1:k2:/);
    expect(() => box.open(rotated.seal('x', CONTEXT), CONTEXT)).toThrow(/k2/);
  });

  it('validates its settings', () => {
    expect(secretsConfigSchema.safeParse({ SECRETS_ENCRYPTION_KEY: 'short' }).success).toBe(false);
    expect(secretsConfigSchema.parse({ SECRETS_ENCRYPTION_KEY: k1 })).toMatchObject({ SECRETS_KEY_ID: 'k1' });
    expect(() =>
      secretBoxFromConfig({ SECRETS_ENCRYPTION_KEY: k1, SECRETS_KEY_ID: 'k2', SECRETS_PREVIOUS_KEYS: 'bad' }),
    ).toThrow(SecretBoxError);
  });
});
