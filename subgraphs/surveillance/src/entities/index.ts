export * from './alert.entity';
export * from './camera.entity';
export * from './event.entity';

import { AlertRuleEntity, SurveillanceAlertEntity } from './alert.entity';
import { CameraEntity, CameraZoneEntity } from './camera.entity';
import { DetectionEntity, EventEntity } from './event.entity';

/**
 * The tables read through TypeORM (lists paged by query builders). Enrichments, baselines,
 * feedback, audits and readings are written and batched by plain SQL in the services and loaders.
 */
export const surveillanceEntities = [
  CameraEntity,
  CameraZoneEntity,
  EventEntity,
  DetectionEntity,
  AlertRuleEntity,
  SurveillanceAlertEntity,
];
