import { EntitySchema } from 'typeorm';

export type RiskLevelValue = 'low' | 'medium' | 'high' | 'critical';

export interface EventRow {
  id: number;
  batchId: string | null;
  cameraId: string;
  startedAt: Date;
  endedAt: Date | null;
  riskScore: number | null;
  riskLevel: RiskLevelValue | null;
  summary: string | null;
  reasoning: string | null;
  reviewed: boolean;
  notes: string | null;
  isFastPath: boolean;
  objectTypes: string | null;
  clipPath: string | null;
  deletedAt: Date | null;
  snoozeUntil: Date | null;
}

export const EventEntity = new EntitySchema<EventRow>({
  name: 'Event',
  tableName: 'events',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    batchId: { name: 'batch_id', type: 'varchar', length: 100, nullable: true },
    cameraId: { name: 'camera_id', type: 'varchar', length: 100 },
    startedAt: { name: 'started_at', type: 'timestamptz', precision: 3 },
    endedAt: { name: 'ended_at', type: 'timestamptz', precision: 3, nullable: true },
    riskScore: { name: 'risk_score', type: 'int', nullable: true },
    riskLevel: { name: 'risk_level', type: 'varchar', length: 10, nullable: true },
    summary: { type: 'text', nullable: true },
    reasoning: { type: 'text', nullable: true },
    reviewed: { type: 'boolean', default: false },
    notes: { type: 'text', nullable: true },
    isFastPath: { name: 'is_fast_path', type: 'boolean', default: false },
    objectTypes: { name: 'object_types', type: 'text', nullable: true },
    clipPath: { name: 'clip_path', type: 'varchar', length: 1000, nullable: true },
    deletedAt: { name: 'deleted_at', type: 'timestamptz', precision: 3, nullable: true },
    snoozeUntil: { name: 'snooze_until', type: 'timestamptz', precision: 3, nullable: true },
  },
});

export interface DetectionRow {
  id: number;
  cameraId: string;
  filePath: string;
  fileType: string | null;
  detectedAt: Date;
  objectType: string;
  confidence: number;
  bboxX: number;
  bboxY: number;
  bboxWidth: number;
  bboxHeight: number;
  thumbnailPath: string | null;
  mediaType: string;
  trackId: number | null;
  trackConfidence: number | null;
  labels: unknown;
  enrichmentData: unknown;
}

export const DetectionEntity = new EntitySchema<DetectionRow>({
  name: 'Detection',
  tableName: 'detections',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    cameraId: { name: 'camera_id', type: 'varchar', length: 100 },
    filePath: { name: 'file_path', type: 'varchar', length: 1000 },
    fileType: { name: 'file_type', type: 'varchar', length: 50, nullable: true },
    detectedAt: { name: 'detected_at', type: 'timestamptz', precision: 3 },
    objectType: { name: 'object_type', type: 'varchar', length: 50 },
    confidence: { type: 'double precision' },
    bboxX: { name: 'bbox_x', type: 'double precision' },
    bboxY: { name: 'bbox_y', type: 'double precision' },
    bboxWidth: { name: 'bbox_width', type: 'double precision' },
    bboxHeight: { name: 'bbox_height', type: 'double precision' },
    thumbnailPath: { name: 'thumbnail_path', type: 'varchar', length: 1000, nullable: true },
    mediaType: { name: 'media_type', type: 'varchar', length: 10, default: 'image' },
    trackId: { name: 'track_id', type: 'int', nullable: true },
    trackConfidence: { name: 'track_confidence', type: 'double precision', nullable: true },
    labels: { type: 'jsonb', nullable: true },
    enrichmentData: { name: 'enrichment_data', type: 'jsonb', nullable: true },
  },
});
