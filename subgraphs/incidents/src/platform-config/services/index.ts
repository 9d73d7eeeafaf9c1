import { createConfigLoaders, type ConfigLoaders } from '../loaders';
import type { IncidentsContext } from '../../context';
import { AlertCreationService } from './alert-creation.service';
import { FieldMappingService } from './field-mapping.service';
import { MonitoringAlertService } from './monitoring-alert.service';
import { NotificationService } from './notification.service';
import { ReportTemplateService } from './report-template.service';
import { SigmaExclusionService } from './sigma-exclusion.service';
import { SigmaQueryService } from './sigma-query.service';

/** The platform-configuration area of a request: its loaders and services, under one context property. */
export interface ConfigServices {
  loaders: ConfigLoaders;
  reportTemplates: ReportTemplateService;
  notifications: NotificationService;
  sigmaExclusions: SigmaExclusionService;
  fieldMappings: FieldMappingService;
  alertCreation: AlertCreationService;
  monitoringAlerts: MonitoringAlertService;
  sigmaQueries: SigmaQueryService;
}

export function createConfigServices(context: IncidentsContext): ConfigServices {
  return {
    loaders: createConfigLoaders(context.deps.dataSource),
    reportTemplates: new ReportTemplateService(context),
    notifications: new NotificationService(context),
    sigmaExclusions: new SigmaExclusionService(context),
    fieldMappings: new FieldMappingService(context),
    alertCreation: new AlertCreationService(context),
    monitoringAlerts: new MonitoringAlertService(context),
    sigmaQueries: new SigmaQueryService(context),
  };
}
