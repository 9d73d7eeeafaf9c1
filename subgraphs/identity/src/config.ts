import { commonConfigSchema, configFields, loadConfig, secretsConfigSchema } from '@socgraph/shared';
import { z } from 'zod';

export const identityConfigSchema = commonConfigSchema.extend({
  JWT_SECRET: configFields.secret(),
  /** How long a login (its session and token) lasts. */
  SESSION_TTL_SECONDS: configFields.seconds(8 * 3600),
  /** scrypt cost (N); stored with each hash, so raising it later only affects new hashes. */
  PASSWORD_SCRYPT_COST: z.coerce.number().int().min(1024).max(1_048_576).default(32_768),
  /** Failed logins within the window that lock an account; 0 turns lockout off. */
  LOGIN_LOCKOUT_THRESHOLD: z.coerce.number().int().min(0).max(1000).default(10),
  /** A failure more than this after the previous one starts a new count (so older ones no longer count). */
  LOGIN_LOCKOUT_WINDOW_SECONDS: configFields.seconds(900),
  /** How long a lock lasts (an admin may lift it earlier with unlockUser). */
  LOGIN_LOCKOUT_SECONDS: configFields.seconds(900),
  /** Active (unrevoked, unexpired) API keys one user may hold; each key has its own rate-limit bucket. */
  API_KEYS_PER_USER: z.coerce.number().int().min(1).max(1000).default(10),
  /** Lifetime of a new API key when createApiKey names no expiresAt, in days. */
  API_KEY_DEFAULT_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** The longest lifetime createApiKey accepts, in days: every key expires. */
  API_KEY_MAX_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** The marketplace's share of each captured agent charge, in percent; the rest is the seller's. */
  BILLING_PLATFORM_FEE_PERCENT: z.coerce.number().int().min(0).max(100).default(20),
  /** Which payment provider checkout sessions go to; `local` completes in-process (dev, tests, demo). */
  PAYMENT_PROVIDER: z.enum(['local']).default('local'),
  /**
   * Verifies POST /webhooks/payments (HMAC-SHA256 over `timestamp.rawBody`). Unset: the webhook
   * answers 503 and only the local provider's `completeLocalCheckout` completes sessions.
   */
  PAYMENT_WEBHOOK_SECRET: configFields.secret().optional(),
  /** A webhook whose signed timestamp is further than this from now is refused (replays). */
  PAYMENT_WEBHOOK_TOLERANCE_SECONDS: configFields.seconds(300),
  /** How long a checkout session may be paid. */
  CHECKOUT_SESSION_TTL_SECONDS: configFields.seconds(3600),
  // Stored credentials (licence keys, SMTP passwords, auth keys, connector secrets) are sealed
  // with SECRETS_ENCRYPTION_KEY (shared/src/crypto/secret-box.ts).
  ...secretsConfigSchema.shape,
});
export type IdentityConfig = z.infer<typeof identityConfigSchema>;

export const identityConfigFrom = (env: NodeJS.ProcessEnv): IdentityConfig => loadConfig(identityConfigSchema, env);
