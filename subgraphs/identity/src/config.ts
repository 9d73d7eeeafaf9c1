import { commonConfigSchema, configFields, loadConfig } from '@socgraph/shared';
import { z } from 'zod';

export const identityConfigSchema = commonConfigSchema.extend({
  JWT_SECRET: configFields.secret(),
  /** How long a login (its session and token) lasts. */
  SESSION_TTL_SECONDS: configFields.seconds(8 * 3600),
  /** scrypt cost (N); stored with each hash, so raising it later only affects new hashes. */
  PASSWORD_SCRYPT_COST: z.coerce.number().int().min(1024).max(1_048_576).default(32_768),
});
export type IdentityConfig = z.infer<typeof identityConfigSchema>;

export const identityConfigFrom = (env: NodeJS.ProcessEnv): IdentityConfig => loadConfig(identityConfigSchema, env);
