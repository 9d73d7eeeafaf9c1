import {
  and,
  conflict,
  ConditionBuilder,
  isUniqueViolation,
  loadByIntId,
  optionalText,
  orNotFound,
  paginate,
  runNamed,
  ScopedService,
  type Connection,
  type ConnectionArgs,
  type SqlCondition,
} from '@socgraph/shared';
import type { SurveillanceContext } from '../context';
import { DetectionEntity, EventEntity, type DetectionRow, type EventRow, type RiskLevelValue } from '../entities';
import { ID_RULE, numberIn, optionalIntIn, optionalNumberIn, validDate, words } from './inputs';
import { T, eventVisibility, requireWriter, underVisibleCamera } from './visibility';

export interface EventFilter {
  cameraId?: string | null;
  riskLevel?: RiskLevelValue[] | null;
  from?: Date | null;
  to?: Date | null;
  reviewed?: boolean | null;
  search?: string | null;
}

export interface DetectionFilter {
  cameraId?: string | null;
  objectTypes?: string[] | null;
  minConfidence?: number | null;
  from?: Date | null;
  to?: Date | null;
}

export interface ReviewEventInput {
  eventId: string;
  reviewed: boolean;
  notes?: string | null;
  snoozeUntil?: Date | null;
}

export interface EventFeedbackInput {
  feedbackType: string;
  notes?: string | null;
  expectedSeverity?: string | null;
  actualThreatLevel?: string | null;
  suggestedScore?: number | null;
  whatWasWrong?: string | null;
}

export interface EventAuditInput {
  enrichmentUtilization: number;
  promptLength?: number | null;
  promptTokenEstimate?: number | null;
  contextUsageScore?: number | null;
  reasoningCoherenceScore?: number | null;
  riskJustificationScore?: number | null;
  consistencyScore?: number | null;
  overallQualityScore?: number | null;
  consistencyRiskScore?: number | null;
  selfEvalCritique?: string | null;
}

export interface ReadingInput {
  cameraId: string;
  recordedAt?: Date | null;
  [key: string]: unknown;
}

const MAX_SEARCH = 200;
const NOTES_MAX = 10_000;

/** Keyset order of event lists: newest first, the id breaks ties. */
export function eventOrder() {
  return [
    { column: 'started_at', direction: 'DESC' as const, value: (e: EventRow) => e.startedAt.toISOString() },
    { column: 'id', direction: 'DESC' as const, value: (e: EventRow) => e.id },
  ];
}

const detectionOrder = [
  { column: 'd.detected_at', direction: 'DESC' as const, value: (d: DetectionRow) => d.detectedAt.toISOString() },
  { column: 'd.id', direction: 'DESC' as const, value: (d: DetectionRow) => d.id },
];

export function eventFilterCondition(filter: EventFilter | null | undefined, alias: string): SqlCondition {
  return new ConditionBuilder(alias)
    .equals('camera_id', filter?.cameraId, 'filter.cameraId', ID_RULE)
    .anyOf('risk_level', filter?.riskLevel)
    .period('started_at', filter?.from, filter?.to)
    .equalsValue('reviewed', filter?.reviewed)
    .matchesText('search_vector', filter?.search, 'filter.search', MAX_SEARCH)
    .build();
}

function detectionFilterCondition(filter: DetectionFilter | null | undefined): SqlCondition {
  return new ConditionBuilder('d')
    .equals('camera_id', filter?.cameraId, 'filter.cameraId', ID_RULE)
    .anyOf('object_type', words(filter?.objectTypes, 'filter.objectTypes'))
    .atLeast('confidence', optionalNumberIn(filter?.minConfidence, 'filter.minConfidence', 0, 1))
    .period('detected_at', filter?.from, filter?.to)
    .build();
}

export class EventService extends ScopedService<SurveillanceContext> {
  list(args: ConnectionArgs, filter?: EventFilter | null): Promise<Connection<EventRow>> {
    const condition = and(eventVisibility(this.principal, 'e'), eventFilterCondition(filter, 'e'));
    const query = this.dataSource
      .getRepository(EventEntity)
      .createQueryBuilder('e')
      .where(condition.sql, condition.params);
    return paginate(
      query,
      args,
      eventOrder().map((c) => ({ ...c, column: `e.${c.column}` })),
    );
  }

  listDetections(args: ConnectionArgs, filter?: DetectionFilter | null): Promise<Connection<DetectionRow>> {
    const condition = and(underVisibleCamera(this.principal, 'd.camera_id'), detectionFilterCondition(filter));
    const query = this.dataSource
      .getRepository(DetectionEntity)
      .createQueryBuilder('d')
      .where(condition.sql, condition.params);
    return paginate(query, args, detectionOrder);
  }

  byId(id: string | number): Promise<EventRow | null> {
    return loadByIntId(this.scope.loaders.eventById, id);
  }

  async requireVisible(id: string | number): Promise<EventRow> {
    return orNotFound(await this.byId(id), 'Event', id);
  }

  async review(input: ReviewEventInput): Promise<EventRow> {
    requireWriter(this.principal);
    const event = await this.requireVisible(input.eventId);
    const notes = optionalText(input.notes, 'input.notes', { max: NOTES_MAX });
    const snooze = validDate(input.snoozeUntil, 'input.snoozeUntil');
    await this.dataSource.query(
      `UPDATE ${T.event} SET reviewed = $2, notes = COALESCE($3, notes), snooze_until = $4 WHERE id = $1`,
      [event.id, input.reviewed, notes, snooze],
    );
    this.scope.loaders.eventById.clear(event.id);
    return this.dataSource.getRepository(EventEntity).findOneByOrFail({ id: event.id });
  }

  async submitFeedback(eventId: string, input: EventFeedbackInput): Promise<Record<string, unknown>> {
    requireWriter(this.principal);
    const event = await this.requireVisible(eventId);
    const notes = optionalText(input.notes, 'input.notes', { max: NOTES_MAX });
    const wrong = optionalText(input.whatWasWrong, 'input.whatWasWrong', { max: NOTES_MAX });
    const suggested = optionalIntIn(input.suggestedScore, 'input.suggestedScore', 0, 100);
    try {
      const [row] = await runNamed<Record<string, unknown>>(
        this.dataSource,
        `INSERT INTO ${T.feedback} (event_id, feedback_type, notes, expected_severity, actual_threat_level,
           suggested_score, what_was_wrong, created_by)
         VALUES (:event, :type, :notes, :expected, :actual, :suggested, :wrong, :by) RETURNING *`,
        {
          event: event.id,
          type: input.feedbackType,
          notes,
          expected: input.expectedSeverity ?? null,
          actual: input.actualThreatLevel ?? null,
          suggested,
          wrong,
          by: this.principal.username,
        },
      );
      return row!;
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Event ${event.id} already has feedback`);
      throw error;
    }
  }

  async recordAudit(eventId: string, input: EventAuditInput): Promise<Record<string, unknown>> {
    requireWriter(this.principal);
    const event = await this.requireVisible(eventId);
    const score = (v: number | null | undefined, f: string) => optionalNumberIn(v, `input.${f}`, 1, 5);
    const consistencyRisk = optionalIntIn(input.consistencyRiskScore, 'input.consistencyRiskScore', 0, 100);
    const values = {
      event: event.id,
      utilization: numberIn(input.enrichmentUtilization, 'input.enrichmentUtilization', 0, 1),
      promptLength: optionalIntIn(input.promptLength, 'input.promptLength', 0, 10_000_000) ?? 0,
      tokens: optionalIntIn(input.promptTokenEstimate, 'input.promptTokenEstimate', 0, 10_000_000) ?? 0,
      context: score(input.contextUsageScore, 'contextUsageScore'),
      coherence: score(input.reasoningCoherenceScore, 'reasoningCoherenceScore'),
      justification: score(input.riskJustificationScore, 'riskJustificationScore'),
      consistency: score(input.consistencyScore, 'consistencyScore'),
      overall: score(input.overallQualityScore, 'overallQualityScore'),
      consistencyRisk,
      diff: consistencyRisk === null || event.riskScore === null ? null : consistencyRisk - event.riskScore,
      critique: optionalText(input.selfEvalCritique, 'input.selfEvalCritique', { max: 20_000 }),
    };
    try {
      const [row] = await runNamed<Record<string, unknown>>(
        this.dataSource,
        `INSERT INTO ${T.eventAudit} (event_id, enrichment_utilization, prompt_length, prompt_token_estimate,
           context_usage_score, reasoning_coherence_score, risk_justification_score, consistency_score,
           overall_quality_score, consistency_risk_score, consistency_diff, self_eval_critique)
         VALUES (:event, :utilization, :promptLength, :tokens, :context, :coherence, :justification, :consistency,
           :overall, :consistencyRisk, :diff, :critique) RETURNING *`,
        values,
      );
      return row!;
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Event ${event.id} already has an audit`);
      throw error;
    }
  }

  async recordWeather(input: ReadingInput): Promise<Record<string, unknown>> {
    requireWriter(this.principal);
    const n = (key: string, min: number, max: number) =>
      optionalNumberIn(input[key] as number | null | undefined, `input.${key}`, min, max);
    const values = {
      temperature: n('temperatureC', -90, 60),
      humidity: n('humidity', 0, 100),
      wind: n('windSpeedMs', 0, 500),
      precipitation: n('precipitationMm', 0, 10_000),
      conditions: optionalText(input.conditions as string | null | undefined, 'input.conditions', { max: 50 }),
      at: validDate(input.recordedAt, 'input.recordedAt'),
    };
    const camera = await this.scope.cameras.requireForInput(input.cameraId, 'input.cameraId');
    const [row] = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `INSERT INTO ${T.weather} (camera_id, recorded_at, temperature_c, humidity, wind_speed_ms, precipitation_mm, conditions)
       VALUES (:camera, COALESCE(:at, now()), :temperature, :humidity, :wind, :precipitation, :conditions) RETURNING *`,
      { ...values, camera: camera.id },
    );
    return row!;
  }

  async recordAirQuality(input: ReadingInput): Promise<Record<string, unknown>> {
    requireWriter(this.principal);
    const values = {
      aqi: optionalIntIn(input.aqi as number | null | undefined, 'input.aqi', 0, 500),
      pm25: optionalNumberIn(input.pm25 as number | null | undefined, 'input.pm25', 0, 100_000),
      pm10: optionalNumberIn(input.pm10 as number | null | undefined, 'input.pm10', 0, 100_000),
      at: validDate(input.recordedAt, 'input.recordedAt'),
    };
    const camera = await this.scope.cameras.requireForInput(input.cameraId, 'input.cameraId');
    const [row] = await runNamed<Record<string, unknown>>(
      this.dataSource,
      `INSERT INTO ${T.airQuality} (camera_id, recorded_at, aqi, pm25, pm10)
       VALUES (:camera, COALESCE(:at, now()), :aqi, :pm25, :pm10) RETURNING *`,
      { ...values, camera: camera.id },
    );
    return row!;
  }
}
