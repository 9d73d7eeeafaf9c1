import { commonConfigSchema, configFields, loadConfig, secretsConfigSchema } from '@socgraph/shared';
import { z } from 'zod';

/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days), in minutes: a longer one would fire at once. */
const MAX_TIMER_MINUTES = 35_791;

export const auditConfigSchema = commonConfigSchema.extend({
  /** HMAC key of the chains' signatures: a secret of its own, so a database dump cannot re-sign a forged chain. */
  AUDIT_SIGNING_KEY: configFields.secret(),
  /** Failed logins from one ip or for one username within the window that raise a brute-force event. */
  BRUTE_FORCE_THRESHOLD: z.coerce.number().int().min(2).default(10),
  BRUTE_FORCE_WINDOW_SECONDS: configFields.seconds(300),
  /** Minutes between scheduled retention runs; 0 turns the scheduler off. Fractions allowed (tests use milliseconds' worth). */
  RETENTION_INTERVAL_MINUTES: z.coerce.number().min(0).max(MAX_TIMER_MINUTES).default(1440),
  /** Scheduled runs only count and report what they would delete or archive. */
  RETENTION_DRY_RUN: configFields.bool(false),
  // Stored credentials (GitHub tokens) are sealed with SECRETS_ENCRYPTION_KEY (shared/src/crypto/secret-box.ts).
  ...secretsConfigSchema.shape,
});
export type AuditConfig = z.infer<typeof auditConfigSchema>;

export const auditConfigFrom = (env: NodeJS.ProcessEnv): AuditConfig => loadConfig(auditConfigSchema, env);
