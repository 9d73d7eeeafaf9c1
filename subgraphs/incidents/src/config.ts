import { commonConfigSchema, ConfigError, configFields, loadConfig } from '@socgraph/shared';
import type { z } from 'zod';

export const incidentsConfigSchema = commonConfigSchema.extend({
  /**
   * Identity's /graphql, asked (as the service principal) whether an assignee's username
   * exists. Required in production; without it, assigning to a username fails.
   */
  IDENTITY_URL: configFields.url().optional(),
});
export type IncidentsConfig = z.infer<typeof incidentsConfigSchema>;

export const incidentsConfigFrom = (env: NodeJS.ProcessEnv): IncidentsConfig => {
  const config = loadConfig(incidentsConfigSchema, env);
  if (config.NODE_ENV === 'production' && !config.IDENTITY_URL)
    throw new ConfigError(['IDENTITY_URL: required in production (assignees are checked against identity)']);
  return config;
};
