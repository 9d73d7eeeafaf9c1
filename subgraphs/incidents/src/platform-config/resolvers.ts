import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { IncidentsContext } from '../context';
import type { AlertCreationEventOrderRow, AlertCreationSettingsRow, ReportTemplateRow } from './entities';
import type { AlertCreationSettingsInput } from './services/alert-creation.service';
import {
  fieldMappingId,
  type CreateFieldMappingInput,
  type FieldMapping,
  type FieldMappingFilter,
} from './services/field-mapping.service';
import type { CreateMonitoringAlertInput, MonitoringAlertFilter } from './services/monitoring-alert.service';
import type { CreateNotificationSettingInput, NotificationSettingFilter } from './services/notification.service';
import type { CreateReportTemplateInput, ReportTemplateFilter } from './services/report-template.service';
import type {
  CreateSigmaExclusionInput,
  SigmaExclusionFilter,
  UpdateSigmaExclusionInput,
} from './services/sigma-exclusion.service';
import type { CreateSigmaQueryInput, SigmaQueryFilter, UpdateSigmaQueryInput } from './services/sigma-query.service';

type Ctx = IncidentsContext;
type Filtered<F> = ConnectionArgs & { filter?: F | null };
type IdArg = { id: string };
type InputArg<I> = { input: I };

/** A reference to identity's Customer; the row itself was already checked against the caller's scope. */
const customerRef = (row: { customerCode: string | null }) =>
  row.customerCode === null ? null : { __typename: 'Customer', code: row.customerCode };

/** Platform configuration: thin resolvers over the services in `ctx.socConfig`, which hold the rules. */
export const configResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    reportTemplates: (_: unknown, args: Filtered<ReportTemplateFilter>, ctx: Ctx) =>
      ctx.socConfig.reportTemplates.list(args, args.filter),
    reportTemplate: (_: unknown, args: IdArg, ctx: Ctx) => ctx.socConfig.reportTemplates.byId(args.id),
    notificationSettings: (_: unknown, args: Filtered<NotificationSettingFilter>, ctx: Ctx) =>
      ctx.socConfig.notifications.list(args, args.filter),
    sigmaExclusions: (_: unknown, args: Filtered<SigmaExclusionFilter>, ctx: Ctx) =>
      ctx.socConfig.sigmaExclusions.list(args, args.filter),
    sigmaExclusion: (_: unknown, args: IdArg, ctx: Ctx) => ctx.socConfig.sigmaExclusions.byId(args.id),
    fieldMappings: (_: unknown, args: Filtered<FieldMappingFilter>, ctx: Ctx) =>
      ctx.socConfig.fieldMappings.list(args, args.filter),
    alertCreationSettings: (_: unknown, args: { customerCode: string }, ctx: Ctx) =>
      ctx.socConfig.alertCreation.byCustomer(args.customerCode),
    alertCreationSettingsList: (_: unknown, args: ConnectionArgs, ctx: Ctx) => ctx.socConfig.alertCreation.list(args),
    monitoringAlerts: (_: unknown, args: Filtered<MonitoringAlertFilter>, ctx: Ctx) =>
      ctx.socConfig.monitoringAlerts.list(args, args.filter),
    sigmaQueries: (_: unknown, args: Filtered<SigmaQueryFilter>, ctx: Ctx) =>
      ctx.socConfig.sigmaQueries.list(args, args.filter),
    sigmaQuery: (_: unknown, args: IdArg, ctx: Ctx) => ctx.socConfig.sigmaQueries.byId(args.id),
  },
  Mutation: {
    createReportTemplate: (_: unknown, args: InputArg<CreateReportTemplateInput>, ctx: Ctx) =>
      ctx.socConfig.reportTemplates.create(args.input),
    deleteReportTemplate: (_: unknown, args: IdArg, ctx: Ctx) => ctx.socConfig.reportTemplates.delete(args.id),
    createNotificationSetting: (_: unknown, args: InputArg<CreateNotificationSettingInput>, ctx: Ctx) =>
      ctx.socConfig.notifications.create(args.input),
    updateNotificationSetting: (_: unknown, args: { id: string; enabled: boolean }, ctx: Ctx) =>
      ctx.socConfig.notifications.setEnabled(args.id, args.enabled),
    deleteNotificationSetting: (_: unknown, args: IdArg, ctx: Ctx) => ctx.socConfig.notifications.delete(args.id),
    createSigmaExclusion: (_: unknown, args: InputArg<CreateSigmaExclusionInput>, ctx: Ctx) =>
      ctx.socConfig.sigmaExclusions.create(args.input),
    updateSigmaExclusion: (_: unknown, args: IdArg & InputArg<UpdateSigmaExclusionInput>, ctx: Ctx) =>
      ctx.socConfig.sigmaExclusions.update(args.id, args.input),
    deleteSigmaExclusion: (_: unknown, args: IdArg, ctx: Ctx) => ctx.socConfig.sigmaExclusions.delete(args.id),
    createFieldMapping: (_: unknown, args: InputArg<CreateFieldMappingInput>, ctx: Ctx) =>
      ctx.socConfig.fieldMappings.create(args.input),
    deleteFieldMapping: (_: unknown, args: IdArg, ctx: Ctx) => ctx.socConfig.fieldMappings.delete(args.id),
    upsertAlertCreationSettings: (_: unknown, args: InputArg<AlertCreationSettingsInput>, ctx: Ctx) =>
      ctx.socConfig.alertCreation.upsert(args.input),
    deleteAlertCreationSettings: (_: unknown, args: { customerCode: string }, ctx: Ctx) =>
      ctx.socConfig.alertCreation.delete(args.customerCode),
    createMonitoringAlert: (_: unknown, args: InputArg<CreateMonitoringAlertInput>, ctx: Ctx) =>
      ctx.socConfig.monitoringAlerts.create(args.input),
    deleteMonitoringAlert: (_: unknown, args: IdArg, ctx: Ctx) => ctx.socConfig.monitoringAlerts.delete(args.id),
    createSigmaQuery: (_: unknown, args: InputArg<CreateSigmaQueryInput>, ctx: Ctx) =>
      ctx.socConfig.sigmaQueries.create(args.input),
    updateSigmaQuery: (_: unknown, args: IdArg & InputArg<UpdateSigmaQueryInput>, ctx: Ctx) =>
      ctx.socConfig.sigmaQueries.update(args.id, args.input),
    deleteSigmaQuery: (_: unknown, args: IdArg, ctx: Ctx) => ctx.socConfig.sigmaQueries.delete(args.id),
  },
  ReportTemplate: {
    // bigint arrives as a string from pg.
    fileSize: (row: ReportTemplateRow) => Number(row.fileSize),
  },
  NotificationSetting: { customer: customerRef },
  SigmaExclusion: { customer: customerRef },
  MonitoringAlert: { customer: customerRef },
  FieldMapping: {
    id: (mapping: FieldMapping) => fieldMappingId(mapping),
  },
  AlertCreationSettings: {
    customer: customerRef,
    eventOrders: (settings: AlertCreationSettingsRow, _: unknown, ctx: Ctx) =>
      ctx.socConfig.loaders.eventOrdersBySettingsId.load(settings.id),
  },
  AlertCreationEventOrder: {
    conditions: (order: AlertCreationEventOrderRow, _: unknown, ctx: Ctx) =>
      ctx.socConfig.loaders.conditionsByEventOrderId.load(order.id),
    eventConfigs: (order: AlertCreationEventOrderRow, _: unknown, ctx: Ctx) =>
      ctx.socConfig.loaders.eventConfigsByEventOrderId.load(order.id),
  },
};
