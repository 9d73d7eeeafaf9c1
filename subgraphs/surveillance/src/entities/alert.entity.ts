import { EntitySchema } from 'typeorm';

export type SeverityValue = 'low' | 'medium' | 'high' | 'critical';
export type AlertStatusValue = 'pending' | 'delivered' | 'acknowledged' | 'dismissed';

export interface AlertRuleRow {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  severity: SeverityValue;
  riskThreshold: number | null;
  objectTypes: string[] | null;
  cameraIds: string[] | null;
  zoneIds: string[] | null;
  minConfidence: number | null;
  schedule: unknown;
  dedupKeyTemplate: string;
  cooldownSeconds: number;
  channels: string[] | null;
  createdAt: Date;
  updatedAt: Date;
}

export const AlertRuleEntity = new EntitySchema<AlertRuleRow>({
  name: 'AlertRule',
  tableName: 'alert_rules',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    name: { type: 'varchar', length: 255 },
    description: { type: 'text', nullable: true },
    enabled: { type: 'boolean', default: true },
    severity: { type: 'varchar', default: 'medium' },
    riskThreshold: { name: 'risk_threshold', type: 'int', nullable: true },
    objectTypes: { name: 'object_types', type: 'json', nullable: true },
    cameraIds: { name: 'camera_ids', type: 'json', nullable: true },
    zoneIds: { name: 'zone_ids', type: 'json', nullable: true },
    minConfidence: { name: 'min_confidence', type: 'double precision', nullable: true },
    schedule: { type: 'json', nullable: true },
    dedupKeyTemplate: { name: 'dedup_key_template', type: 'varchar', length: 255 },
    cooldownSeconds: { name: 'cooldown_seconds', type: 'int', default: 300 },
    channels: { type: 'json', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' },
    updatedAt: { name: 'updated_at', type: 'timestamptz', precision: 3, default: () => 'now()' },
  },
});

export interface SurveillanceAlertRow {
  id: string;
  eventId: number;
  cameraId: string;
  ruleId: string | null;
  severity: SeverityValue;
  status: AlertStatusValue;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
  channels: string[] | null;
  dedupKey: string;
  metadata: unknown;
  version: number;
}

export const SurveillanceAlertEntity = new EntitySchema<SurveillanceAlertRow>({
  name: 'SurveillanceAlert',
  tableName: 'alerts',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    eventId: { name: 'event_id', type: 'int' },
    cameraId: { name: 'camera_id', type: 'varchar', length: 100 },
    ruleId: { name: 'rule_id', type: 'uuid', nullable: true },
    severity: { type: 'varchar' },
    status: { type: 'varchar' },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3 },
    updatedAt: { name: 'updated_at', type: 'timestamptz', precision: 3 },
    deliveredAt: { name: 'delivered_at', type: 'timestamptz', precision: 3, nullable: true },
    channels: { type: 'json', nullable: true },
    dedupKey: { name: 'dedup_key', type: 'varchar', length: 255 },
    metadata: { type: 'json', nullable: true },
    version: { name: 'version_id', type: 'int' },
  },
});
