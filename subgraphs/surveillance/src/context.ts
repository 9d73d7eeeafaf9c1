import type { SubgraphContext } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { SurveillanceConfig } from './config';
import { createSurveillanceLoaders, type SurveillanceLoaders } from './loaders';
import { AlertService } from './services/alert.service';
import { CameraService } from './services/camera.service';
import { EventService } from './services/event.service';
import { IngestService } from './services/ingest.service';
import { RuleService } from './services/rule.service';

export interface SurveillanceDeps {
  dataSource: DataSource;
  config: SurveillanceConfig;
}

/** The per-request view services work in. Services read the principal from here, never resolvers. */
export interface RequestScope extends SubgraphContext {
  deps: SurveillanceDeps;
  loaders: SurveillanceLoaders;
}

export interface SurveillanceContext extends RequestScope {
  cameras: CameraService;
  events: EventService;
  alerts: AlertService;
  rules: RuleService;
  ingest: IngestService;
}

export function createSurveillanceContext(deps: SurveillanceDeps, base: SubgraphContext): SurveillanceContext {
  const context = { ...base, deps } as SurveillanceContext;
  context.loaders = createSurveillanceLoaders(deps.dataSource, base.principal);
  context.cameras = new CameraService(context);
  context.events = new EventService(context);
  context.alerts = new AlertService(context);
  context.rules = new RuleService(context);
  context.ingest = new IngestService(context);
  return context;
}
