import { commonConfigSchema, loadConfig } from '@socgraph/shared';
import { z } from 'zod';

export const surveillanceConfigSchema = commonConfigSchema.extend({
  /** Weight of the newest ingest in the activity and class baselines' moving averages (0 < α ≤ 1). */
  SURVEILLANCE_BASELINE_ALPHA: z.coerce.number().gt(0).max(1).default(0.2),
  /** Most detections one `ingestDetections` call may carry. */
  SURVEILLANCE_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
});
export type SurveillanceConfig = z.infer<typeof surveillanceConfigSchema>;

export const surveillanceConfigFrom = (env: NodeJS.ProcessEnv): SurveillanceConfig =>
  loadConfig(surveillanceConfigSchema, env);
