import { commonConfigSchema, loadConfig } from '@socgraph/shared';
import type { z } from 'zod';

export const incidentsConfigSchema = commonConfigSchema;
export type IncidentsConfig = z.infer<typeof incidentsConfigSchema>;

export const incidentsConfigFrom = (env: NodeJS.ProcessEnv): IncidentsConfig => loadConfig(incidentsConfigSchema, env);
