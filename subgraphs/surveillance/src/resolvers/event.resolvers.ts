import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { SurveillanceContext } from '../context';
import type { DetectionRow, EventRow, SurveillanceAlertRow } from '../entities';
import type { SurveillanceAlertFilter } from '../services/alert.service';
import type {
  DetectionFilter,
  EventAuditInput,
  EventFeedbackInput,
  EventFilter,
  ReadingInput,
  ReviewEventInput,
} from '../services/event.service';
import type { IngestDetectionsInput } from '../services/ingest.service';
import type { AlertRuleInput } from '../services/rule.service';
import { camel } from '../services/rows';

type Ctx = SurveillanceContext;
type Row = Record<string, unknown>;

const first = async <T>(rows: Promise<T[]>): Promise<T | null> => (await rows)[0] ?? null;

export const eventResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    events: (_: unknown, args: ConnectionArgs & { filter?: EventFilter | null }, ctx: Ctx) =>
      ctx.events.list(args, args.filter),
    event: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.events.byId(args.id),
    detections: (_: unknown, args: ConnectionArgs & { filter?: DetectionFilter | null }, ctx: Ctx) =>
      ctx.events.listDetections(args, args.filter),
    surveillanceAlerts: (_: unknown, args: ConnectionArgs & { filter?: SurveillanceAlertFilter | null }, ctx: Ctx) =>
      ctx.alerts.list(args, args.filter),
    surveillanceAlert: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.alerts.byId(args.id),
    alertRules: (_: unknown, __: unknown, ctx: Ctx) => ctx.rules.list(),
  },
  Mutation: {
    createAlertRule: (_: unknown, args: { input: AlertRuleInput }, ctx: Ctx) => ctx.rules.create(args.input),
    setAlertRuleEnabled: (_: unknown, args: { id: string; enabled: boolean }, ctx: Ctx) =>
      ctx.rules.setEnabled(args.id, args.enabled),
    ingestDetections: (_: unknown, args: { input: IngestDetectionsInput }, ctx: Ctx) => ctx.ingest.ingest(args.input),
    acknowledgeSurveillanceAlert: (_: unknown, args: { id: string; version: number }, ctx: Ctx) =>
      ctx.alerts.acknowledge(args.id, args.version),
    dismissSurveillanceAlert: (_: unknown, args: { id: string; version: number }, ctx: Ctx) =>
      ctx.alerts.dismiss(args.id, args.version),
    markSurveillanceAlertDelivered: (_: unknown, args: { id: string; version: number; channels: string[] }, ctx: Ctx) =>
      ctx.alerts.markDelivered(args.id, args.version, args.channels),
    reviewEvent: (_: unknown, args: { input: ReviewEventInput }, ctx: Ctx) => ctx.events.review(args.input),
    submitEventFeedback: async (_: unknown, args: { eventId: string; input: EventFeedbackInput }, ctx: Ctx) =>
      camel(await ctx.events.submitFeedback(args.eventId, args.input)),
    recordEventAudit: async (_: unknown, args: { eventId: string; input: EventAuditInput }, ctx: Ctx) =>
      camel(await ctx.events.recordAudit(args.eventId, args.input)),
    recordWeatherReading: async (_: unknown, args: { input: ReadingInput }, ctx: Ctx) =>
      camel(await ctx.events.recordWeather(args.input)),
    recordAirQualityReading: async (_: unknown, args: { input: ReadingInput }, ctx: Ctx) =>
      camel(await ctx.events.recordAirQuality(args.input)),
  },
  Event: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.events.byId(ref.id),
    camera: (event: EventRow, _: unknown, ctx: Ctx) => ctx.loaders.cameraById.load(event.cameraId),
    objectTypes: (event: EventRow) => (event.objectTypes ? event.objectTypes.split(',').filter(Boolean) : []),
    detections: (event: EventRow, _: unknown, ctx: Ctx) => ctx.loaders.detectionsByEvent.load(event.id),
    alerts: (event: EventRow, _: unknown, ctx: Ctx) => ctx.loaders.alertsByEvent.load(event.id),
    feedback: (event: EventRow, _: unknown, ctx: Ctx) => first(ctx.loaders.feedbackByEvent.load(event.id)),
    audit: (event: EventRow, _: unknown, ctx: Ctx) => first(ctx.loaders.auditByEvent.load(event.id)),
  },
  Detection: {
    camera: (d: DetectionRow, _: unknown, ctx: Ctx) => ctx.loaders.cameraById.load(d.cameraId),
    bbox: (d: DetectionRow) => ({ x: d.bboxX, y: d.bboxY, width: d.bboxWidth, height: d.bboxHeight }),
    pose: (d: DetectionRow, _: unknown, ctx: Ctx) => first(ctx.loaders.poseByDetection.load(d.id)),
    threats: (d: DetectionRow, _: unknown, ctx: Ctx) => ctx.loaders.threatsByDetection.load(d.id),
    demographics: (d: DetectionRow, _: unknown, ctx: Ctx) => first(ctx.loaders.demographicsByDetection.load(d.id)),
    reid: (d: DetectionRow, _: unknown, ctx: Ctx) => first(ctx.loaders.reidByDetection.load(d.id)),
    action: (d: DetectionRow, _: unknown, ctx: Ctx) => first(ctx.loaders.actionByDetection.load(d.id)),
  },
  SurveillanceAlert: {
    event: (a: SurveillanceAlertRow, _: unknown, ctx: Ctx) => ctx.events.byId(a.eventId),
    camera: (a: SurveillanceAlertRow, _: unknown, ctx: Ctx) => ctx.loaders.cameraById.load(a.cameraId),
    rule: (a: SurveillanceAlertRow, _: unknown, ctx: Ctx) => (a.ruleId ? ctx.loaders.ruleById.load(a.ruleId) : null),
    channels: (a: SurveillanceAlertRow) => a.channels ?? [],
  },
  AlertRule: {
    channels: (r: { channels: string[] | null }) => r.channels ?? [],
  },
  ThreatDetection: {
    id: (t: Row) => String(t.id),
  },
  RiskLevel: { LOW: 'low', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' },
  Severity: { INFORMATIONAL: 'informational', LOW: 'low', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' },
  SurveillanceAlertStatus: {
    PENDING: 'pending',
    DELIVERED: 'delivered',
    ACKNOWLEDGED: 'acknowledged',
    DISMISSED: 'dismissed',
  },
  FeedbackType: {
    ACCURATE: 'accurate',
    CORRECT: 'correct',
    FALSE_POSITIVE: 'false_positive',
    MISSED_THREAT: 'missed_threat',
    SEVERITY_WRONG: 'severity_wrong',
  },
  ThreatLevel: { NO_THREAT: 'no_threat', MINOR_CONCERN: 'minor_concern', GENUINE_THREAT: 'genuine_threat' },
};
