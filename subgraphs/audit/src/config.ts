import { commonConfigSchema, configFields, loadConfig } from '@socgraph/shared';
import { z } from 'zod';

export const auditConfigSchema = commonConfigSchema.extend({
  /** HMAC key of the chains' signatures: a secret of its own, so a database dump cannot re-sign a forged chain. */
  AUDIT_SIGNING_KEY: configFields.secret(),
  /** Failed logins from one ip or for one username within the window that raise a brute-force event. */
  BRUTE_FORCE_THRESHOLD: z.coerce.number().int().min(2).default(10),
  BRUTE_FORCE_WINDOW_SECONDS: configFields.seconds(300),
});
export type AuditConfig = z.infer<typeof auditConfigSchema>;

export const auditConfigFrom = (env: NodeJS.ProcessEnv): AuditConfig => loadConfig(auditConfigSchema, env);
