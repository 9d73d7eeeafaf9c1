import { createHash } from 'node:crypto';
import { badUserInput, ScopedService, text } from '@socgraph/shared';
import type { SurveillanceContext } from '../context';
import {
  AlertRuleEntity,
  EventEntity,
  SurveillanceAlertEntity,
  type AlertRuleRow,
  type CameraZoneRow,
  type EventRow,
  type SurveillanceAlertRow,
} from '../entities';
import { boxInZone, type Box } from './geometry';
import { ID_RULE, WORD_RULE, intIn, numberIn, oneOf, validDate } from './inputs';
import { assessRisk, MIN_BASELINE_SAMPLES } from './risk';
import { renderTemplate } from './rule.service';
import { parseSchedule, scheduleMatches } from './schedule';
import { T, requireWriter } from './visibility';

export interface DetectionInput {
  objectType: string;
  confidence: number;
  bbox: Box;
  detectedAt: Date;
  filePath: string;
  trackId?: number | null;
  pose?: { poseClass: string; confidence: number; isSuspicious?: boolean | null; keypoints?: unknown } | null;
  threats?: { threatType: string; confidence: number; severity: string }[] | null;
  demographics?: { ageRange: string; ageConfidence: number; gender: string; genderConfidence: number } | null;
  reid?: { embedding: number[] } | null;
  action?: { action: string; confidence: number; isSuspicious?: boolean | null } | null;
}

export interface IngestDetectionsInput {
  cameraId: string;
  batchId: string;
  detections: DetectionInput[];
}

export interface IngestResult {
  event: EventRow;
  alertsCreated: SurveillanceAlertRow[];
  suppressed: number;
}

const POSES = ['standing', 'crouching', 'bending_over', 'arms_raised', 'sitting', 'lying_down', 'unknown'] as const;
const THREATS = ['gun', 'knife', 'grenade', 'explosive', 'weapon', 'other'] as const;
const THREAT_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const AGES = ['0-10', '11-20', '21-30', '31-40', '41-50', '51-60', '61-70', '71-80', '81+', 'unknown'] as const;
const GENDERS = ['male', 'female', 'unknown'] as const;
/** Rounding slack for x + width ≤ 1 (the column check allows the same). */
const EDGE = 1e-6;
/** A class whose baseline frequency at this hour is below this is "rare" there. */
const RARE_FREQUENCY = 0.05;

type Checked = ReturnType<typeof checkDetection>;

function checkDetection(d: DetectionInput, field: string) {
  const bbox = {
    x: numberIn(d.bbox.x, `${field}.bbox.x`, 0, 1),
    y: numberIn(d.bbox.y, `${field}.bbox.y`, 0, 1),
    width: numberIn(d.bbox.width, `${field}.bbox.width`, 0, 1),
    height: numberIn(d.bbox.height, `${field}.bbox.height`, 0, 1),
  };
  if (bbox.x + bbox.width > 1 + EDGE) throw badUserInput(`${field}.bbox: x + width exceeds 1`, `${field}.bbox`);
  if (bbox.y + bbox.height > 1 + EDGE) throw badUserInput(`${field}.bbox: y + height exceeds 1`, `${field}.bbox`);
  const embedding = d.reid?.embedding;
  if (embedding && (embedding.length === 0 || embedding.length > 2048))
    throw badUserInput(`${field}.reid.embedding must hold 1 to 2048 numbers`, `${field}.reid.embedding`);
  if (embedding?.some((n) => !Number.isFinite(n)))
    throw badUserInput(`${field}.reid.embedding must hold finite numbers`, `${field}.reid.embedding`);
  if ((d.threats?.length ?? 0) > 20) throw badUserInput(`${field}.threats: at most 20`, `${field}.threats`);
  if (d.pose?.keypoints !== undefined && JSON.stringify(d.pose.keypoints ?? null).length > 10_000)
    throw badUserInput(`${field}.pose.keypoints is too large`, `${field}.pose.keypoints`);
  return {
    objectType: text(d.objectType, `${field}.objectType`, WORD_RULE).toLowerCase(),
    confidence: numberIn(d.confidence, `${field}.confidence`, 0, 1),
    bbox,
    detectedAt: validDate(d.detectedAt, `${field}.detectedAt`)!,
    filePath: text(d.filePath, `${field}.filePath`, { max: 1000 }),
    trackId:
      d.trackId === null || d.trackId === undefined ? null : intIn(d.trackId, `${field}.trackId`, 0, 2_147_483_647),
    pose: d.pose
      ? {
          pose_class: oneOf(d.pose.poseClass, `${field}.pose.poseClass`, POSES),
          confidence: numberIn(d.pose.confidence, `${field}.pose.confidence`, 0, 1),
          is_suspicious: d.pose.isSuspicious ?? false,
          keypoints: d.pose.keypoints ?? null,
        }
      : null,
    threats: (d.threats ?? []).map((t, i) => ({
      threat_type: oneOf(t.threatType, `${field}.threats.${i}.threatType`, THREATS),
      confidence: numberIn(t.confidence, `${field}.threats.${i}.confidence`, 0, 1),
      severity: oneOf(t.severity, `${field}.threats.${i}.severity`, THREAT_SEVERITIES),
    })),
    demographics: d.demographics
      ? {
          age_range: oneOf(d.demographics.ageRange, `${field}.demographics.ageRange`, AGES),
          age_confidence: numberIn(d.demographics.ageConfidence, `${field}.demographics.ageConfidence`, 0, 1),
          gender: oneOf(d.demographics.gender, `${field}.demographics.gender`, GENDERS),
          gender_confidence: numberIn(d.demographics.genderConfidence, `${field}.demographics.genderConfidence`, 0, 1),
        }
      : null,
    reid: embedding
      ? { embedding, embedding_hash: createHash('sha256').update(JSON.stringify(embedding)).digest('hex') }
      : null,
    action: d.action
      ? {
          action: text(d.action.action, `${field}.action.action`, WORD_RULE).toLowerCase(),
          confidence: numberIn(d.action.confidence, `${field}.action.confidence`, 0, 1),
          is_suspicious: d.action.isSuspicious ?? false,
        }
      : null,
  };
}

/**
 * The ingestion pipeline. Runs inside the mutation's one request transaction (defineSubgraph
 * opens it), so detections, enrichments, event, baselines and alerts commit or roll back
 * together. Concurrency: the event is an upsert on (camera, batch); baselines are upserts on
 * their unique slot with the EWMA computed in SQL from the row as locked; alert dedup holds a
 * transaction advisory lock on the dedup key while it checks the cooldown and inserts.
 */
export class IngestService extends ScopedService<SurveillanceContext> {
  async ingest(input: IngestDetectionsInput): Promise<IngestResult> {
    requireWriter(this.principal);
    const max = this.scope.deps.config.SURVEILLANCE_MAX_BATCH;
    const batchId = text(input.batchId, 'input.batchId', { max: 100 });
    text(input.cameraId, 'input.cameraId', ID_RULE);
    if (input.detections.length === 0 || input.detections.length > max)
      throw badUserInput(`input.detections must hold 1 to ${max} detections`, 'input.detections');
    const detections = input.detections.map((d, i) => checkDetection(d, `input.detections.${i}`));
    const camera = await this.scope.cameras.requireForInput(input.cameraId, 'input.cameraId');
    const ds = this.dataSource;
    const alpha = this.scope.deps.config.SURVEILLANCE_BASELINE_ALPHA;

    // 1. detections (ids drawn first, so enrichments can name them) and enrichments.
    const ids = (
      (await ds.query(`SELECT nextval('${T.detection}_id_seq')::int AS id FROM generate_series(1, $1)`, [
        detections.length,
      ])) as { id: number }[]
    ).map((r) => r.id);
    const withIds = detections.map((d, i) => ({ ...d, id: ids[i]! }));
    await ds.query(
      `INSERT INTO ${T.detection} (id, camera_id, file_path, detected_at, object_type, confidence,
         bbox_x, bbox_y, bbox_width, bbox_height, track_id, media_type)
       SELECT x.id, $1, x.file_path, x.detected_at, x.object_type, x.confidence,
         x.bbox_x, x.bbox_y, x.bbox_width, x.bbox_height, x.track_id, 'image'
       FROM jsonb_to_recordset($2::jsonb) AS x(id int, file_path text, detected_at timestamptz, object_type text,
         confidence float8, bbox_x float8, bbox_y float8, bbox_width float8, bbox_height float8, track_id int)`,
      [
        camera.id,
        JSON.stringify(
          withIds.map((d) => ({
            id: d.id,
            file_path: d.filePath,
            detected_at: d.detectedAt.toISOString(),
            object_type: d.objectType,
            confidence: d.confidence,
            bbox_x: d.bbox.x,
            bbox_y: d.bbox.y,
            bbox_width: d.bbox.width,
            bbox_height: d.bbox.height,
            track_id: d.trackId,
          })),
        ),
      ],
    );
    await this.insertEnrichments(withIds);

    // 2. the batch's event: one per (camera, batch), however many ingests carry the batch.
    const times = detections.map((d) => d.detectedAt.getTime());
    const startedAt = new Date(Math.min(...times));
    const endedAt = new Date(Math.max(...times));
    const classes = [...new Set(detections.map((d) => d.objectType))].sort();
    const [eventRow] = (await ds.query(
      `INSERT INTO ${T.event} AS e (batch_id, camera_id, started_at, ended_at, object_types)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (camera_id, batch_id) WHERE batch_id IS NOT NULL DO UPDATE SET
         started_at = LEAST(e.started_at, EXCLUDED.started_at),
         ended_at = GREATEST(e.ended_at, EXCLUDED.ended_at),
         object_types = array_to_string(ARRAY(SELECT DISTINCT t FROM unnest(
           string_to_array(coalesce(e.object_types, ''), ',') || string_to_array(EXCLUDED.object_types, ',')) t
           WHERE t <> '' ORDER BY t), ',')
       RETURNING e.id, e.risk_score`,
      [batchId, camera.id, startedAt, endedAt, classes.join(',')],
    )) as { id: number; risk_score: number | null }[];
    const eventId = eventRow!.id;
    await ds.query(`INSERT INTO ${T.eventDetection} (event_id, detection_id) SELECT $1, unnest($2::int[])`, [
      eventId,
      ids,
    ]);

    // 3. baselines as they were (for unusualness), then this ingest folded into them.
    const hour = startedAt.getUTCHours();
    const dayOfWeek = (startedAt.getUTCDay() + 6) % 7;
    const counts = new Map<string, number>();
    for (const d of detections) counts.set(d.objectType, (counts.get(d.objectType) ?? 0) + 1);
    const [before] = (await ds.query(
      `SELECT a.avg_count, a.sample_count,
         (SELECT coalesce(json_agg(json_build_object('c', c.detection_class, 'f', c.frequency, 'n', c.sample_count)), '[]')
            FROM ${T.classBaseline} c WHERE c.camera_id = $1 AND c.hour = $2 AND c.detection_class = ANY($4)) AS classes
       FROM (SELECT 1) one LEFT JOIN ${T.activityBaseline} a ON a.camera_id = $1 AND a.hour = $2 AND a.day_of_week = $3`,
      [camera.id, hour, dayOfWeek, classes],
    )) as { avg_count: number | null; sample_count: number | null; classes: { c: string; f: number; n: number }[] }[];
    const activity =
      before?.avg_count === null || before?.avg_count === undefined
        ? null
        : { avgCount: before.avg_count, sampleCount: before.sample_count ?? 0 };
    const classRows = new Map((before?.classes ?? []).map((c) => [c.c, c]));
    // A class is rare when the camera has history at this hour and the class barely appears in it.
    const rareClasses =
      activity && activity.sampleCount >= MIN_BASELINE_SAMPLES
        ? classes.filter((c) => (classRows.get(c)?.f ?? 0) < RARE_FREQUENCY)
        : [];
    await this.updateBaselines(camera.id, hour, dayOfWeek, detections.length, counts, alpha);

    // 4. risk: this ingest's assessment; a later ingest of the same batch never lowers it.
    const assessment = assessRisk({
      detections: detections.map((d) => ({
        objectType: d.objectType,
        confidence: d.confidence,
        threats: d.threats,
        suspiciousPose: d.pose?.is_suspicious ?? false,
        suspiciousAction: d.action?.is_suspicious ?? false,
      })),
      activity,
      rareClasses,
    });
    const summary = `${detections.length} detection(s) on ${camera.name}: ${classes.join(', ')}`;
    const reasoning = assessment.reasons.length ? assessment.reasons.join('; ') : 'routine activity';
    const [scored] = (await ds.query(
      `WITH scored AS (UPDATE ${T.event} SET risk_score = GREATEST(coalesce(risk_score, 0), $2),
         risk_level = CASE WHEN GREATEST(coalesce(risk_score, 0), $2) >= 85 THEN 'critical'
           WHEN GREATEST(coalesce(risk_score, 0), $2) >= 60 THEN 'high'
           WHEN GREATEST(coalesce(risk_score, 0), $2) >= 30 THEN 'medium' ELSE 'low' END,
         summary = $3, reasoning = CASE WHEN $2 >= coalesce(risk_score, 0) THEN $4 ELSE reasoning END
       WHERE id = $1 RETURNING risk_score) SELECT risk_score FROM scored`,
      [eventId, assessment.score, summary, reasoning],
    )) as { risk_score: number }[];
    await ds.query(`UPDATE ${T.camera} SET last_seen_at = GREATEST(coalesce(last_seen_at, $2), $2) WHERE id = $1`, [
      camera.id,
      endedAt,
    ]);
    const eventRisk = scored?.risk_score ?? assessment.score;

    // 5. rules.
    const { created, suppressed } = await this.evaluateRules(
      camera.id,
      eventId,
      batchId,
      startedAt,
      eventRisk,
      withIds,
    );
    const event = await ds.getRepository(EventEntity).findOneByOrFail({ id: eventId });
    return { event, alertsCreated: created, suppressed };
  }

  private async insertEnrichments(detections: (Checked & { id: number })[]): Promise<void> {
    const ds = this.dataSource;
    const poses = detections.filter((d) => d.pose).map((d) => ({ detection_id: d.id, ...d.pose! }));
    if (poses.length)
      await ds.query(
        `INSERT INTO ${T.pose} (detection_id, pose_class, confidence, is_suspicious, keypoints)
         SELECT detection_id, pose_class, confidence, is_suspicious, keypoints FROM jsonb_to_recordset($1::jsonb)
           AS x(detection_id int, pose_class text, confidence float8, is_suspicious boolean, keypoints jsonb)`,
        [JSON.stringify(poses)],
      );
    const threats = detections.flatMap((d) => d.threats.map((t) => ({ detection_id: d.id, ...t })));
    if (threats.length)
      await ds.query(
        `INSERT INTO ${T.threat} (detection_id, threat_type, confidence, severity)
         SELECT detection_id, threat_type, confidence, severity FROM jsonb_to_recordset($1::jsonb)
           AS x(detection_id int, threat_type text, confidence float8, severity text)`,
        [JSON.stringify(threats)],
      );
    const demographics = detections
      .filter((d) => d.demographics)
      .map((d) => ({ detection_id: d.id, ...d.demographics! }));
    if (demographics.length)
      await ds.query(
        `INSERT INTO ${T.demographics} (detection_id, age_range, age_confidence, gender, gender_confidence)
         SELECT detection_id, age_range, age_confidence, gender, gender_confidence FROM jsonb_to_recordset($1::jsonb)
           AS x(detection_id int, age_range text, age_confidence float8, gender text, gender_confidence float8)`,
        [JSON.stringify(demographics)],
      );
    const reids = detections.filter((d) => d.reid).map((d) => ({ detection_id: d.id, ...d.reid! }));
    if (reids.length)
      await ds.query(
        `INSERT INTO ${T.reid} (detection_id, embedding, embedding_hash)
         SELECT detection_id, embedding, embedding_hash FROM jsonb_to_recordset($1::jsonb)
           AS x(detection_id int, embedding jsonb, embedding_hash text)`,
        [JSON.stringify(reids)],
      );
    const actions = detections.filter((d) => d.action).map((d) => ({ detection_id: d.id, ...d.action! }));
    if (actions.length)
      await ds.query(
        `INSERT INTO ${T.action} (detection_id, action, confidence, is_suspicious)
         SELECT detection_id, action, confidence, is_suspicious FROM jsonb_to_recordset($1::jsonb)
           AS x(detection_id int, action text, confidence float8, is_suspicious boolean)`,
        [JSON.stringify(actions)],
      );
  }

  /**
   * EWMA per slot, computed in SQL from the row the upsert locked, so concurrent ingests each
   * fold in exactly once: the first sample is the value itself, then
   * avg ← α·x + (1 − α)·avg. For the class baseline every class already known in the
   * (camera, hour) slot takes a sample too (0 when this ingest did not see it), in class order,
   * so two ingests lock the slot's rows in the same order.
   */
  private async updateBaselines(
    cameraId: string,
    hour: number,
    dayOfWeek: number,
    total: number,
    counts: Map<string, number>,
    alpha: number,
  ): Promise<void> {
    const ds = this.dataSource;
    await ds.query(
      `INSERT INTO ${T.activityBaseline} AS b (camera_id, hour, day_of_week, avg_count, sample_count, last_updated)
       VALUES ($1, $2, $3, $4, 1, now())
       ON CONFLICT (camera_id, hour, day_of_week) DO UPDATE SET
         avg_count = $5::float8 * EXCLUDED.avg_count + (1 - $5::float8) * b.avg_count,
         sample_count = b.sample_count + 1, last_updated = now()`,
      [cameraId, hour, dayOfWeek, total, alpha],
    );
    const seen = [...counts.keys()];
    await ds.query(
      `INSERT INTO ${T.classBaseline} AS b (camera_id, detection_class, hour, frequency, sample_count, last_updated)
       SELECT $1, cls, $2, cnt, 1, now() FROM (
         SELECT s.cls, s.cnt FROM unnest($3::text[], $4::float8[]) AS s(cls, cnt)
         UNION ALL
         SELECT k.detection_class, 0 FROM ${T.classBaseline} k
          WHERE k.camera_id = $1 AND k.hour = $2 AND NOT (k.detection_class = ANY($3::text[]))
       ) samples ORDER BY cls
       ON CONFLICT (camera_id, detection_class, hour) DO UPDATE SET
         frequency = $5::float8 * EXCLUDED.frequency + (1 - $5::float8) * b.frequency,
         sample_count = b.sample_count + 1, last_updated = now()`,
      [cameraId, hour, seen, seen.map((c) => counts.get(c)!), alpha],
    );
  }

  private async evaluateRules(
    cameraId: string,
    eventId: number,
    batchId: string,
    at: Date,
    risk: number,
    detections: (Checked & { id: number })[],
  ): Promise<{ created: SurveillanceAlertRow[]; suppressed: number }> {
    const ds = this.dataSource;
    const rules = await ds.getRepository(AlertRuleEntity).find({ where: { enabled: true }, order: { id: 'ASC' } });
    const applicable = rules.filter((r) => !r.cameraIds || r.cameraIds.includes(cameraId));
    if (applicable.length === 0) return { created: [], suppressed: 0 };
    const zones = applicable.some((r) => r.zoneIds?.length)
      ? await this.scope.loaders.zonesByCamera.load(cameraId)
      : [];
    const matches = applicable
      .map((rule) => ({ rule, matched: matchRule(rule, risk, at, detections, zones) }))
      .filter((m): m is { rule: AlertRuleRow; matched: (Checked & { id: number })[] } => m.matched !== null)
      .map(({ rule, matched }) => ({
        rule,
        matched,
        key: renderTemplate(rule.dedupKeyTemplate, {
          camera_id: cameraId,
          rule_id: rule.id,
          object_type: matched[0]?.objectType ?? '',
          severity: rule.severity,
          batch_id: batchId,
        }),
      }))
      // One lock order for every transaction: no deadlock between ingests matching several rules.
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.rule.id < b.rule.id ? -1 : 1));
    const created: SurveillanceAlertRow[] = [];
    let suppressed = 0;
    for (const { rule, matched, key } of matches) {
      // Held to commit: a parallel ingest with the same key waits here, then sees this alert.
      await ds.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`surveillance.alert:${key}`]);
      const [recent] = (await ds.query(
        `SELECT 1 FROM ${T.alert} WHERE dedup_key = $1 AND created_at > clock_timestamp() - make_interval(secs => $2) LIMIT 1`,
        [key, rule.cooldownSeconds],
      )) as unknown[];
      if (recent) {
        suppressed += 1;
        continue;
      }
      const [row] = (await ds.query(
        `INSERT INTO ${T.alert} (event_id, camera_id, rule_id, severity, status, dedup_key, channels, metadata, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, clock_timestamp(), clock_timestamp()) RETURNING id`,
        [
          eventId,
          cameraId,
          rule.id,
          rule.severity,
          key,
          JSON.stringify(rule.channels ?? []),
          JSON.stringify({ riskScore: risk, detectionIds: matched.map((d) => d.id).slice(0, 100) }),
        ],
      )) as { id: string }[];
      created.push(await ds.getRepository(SurveillanceAlertEntity).findOneByOrFail({ id: row!.id }));
    }
    return { created, suppressed };
  }
}

/**
 * Whether a rule matches an event, and with which detections: every condition the rule sets
 * must hold; the detection conditions (object types, minimum confidence, zones) must hold
 * together for at least one detection. null when the rule does not match.
 */
export function matchRule<D extends { objectType: string; confidence: number; bbox: Box }>(
  rule: Pick<AlertRuleRow, 'riskThreshold' | 'objectTypes' | 'minConfidence' | 'zoneIds' | 'schedule'>,
  risk: number,
  at: Date,
  detections: readonly D[],
  zones: readonly Pick<CameraZoneRow, 'id' | 'shape' | 'coordinates' | 'enabled'>[],
): D[] | null {
  if (rule.riskThreshold !== null && risk < rule.riskThreshold) return null;
  let schedule;
  try {
    schedule = parseSchedule(rule.schedule, 'schedule');
  } catch {
    return null; // a stored schedule is checked on write; an unreadable one matches nothing
  }
  if (!scheduleMatches(schedule, at)) return null;
  const ruleZones = rule.zoneIds?.length ? zones.filter((z) => z.enabled && rule.zoneIds!.includes(z.id)) : null;
  if (ruleZones && ruleZones.length === 0) return null;
  const matched = detections.filter(
    (d) =>
      (!rule.objectTypes?.length || rule.objectTypes.includes(d.objectType)) &&
      (rule.minConfidence === null || d.confidence >= rule.minConfidence) &&
      (!ruleZones || ruleZones.some((z) => boxInZone(d.bbox, z))),
  );
  return matched.length ? matched : null;
}
