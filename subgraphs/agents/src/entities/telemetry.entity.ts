import { EntitySchema } from 'typeorm';

/**
 * One GPU sample of an endpoint agent's host (seed 003's `gpu_stats`). Range queries aggregate
 * them in SQL; the entity maps the table for TypeORM's metadata.
 */
export interface GpuSampleRow {
  id: string;
  agentId: string;
  gpuIndex: number;
  recordedAt: Date;
  gpuName: string | null;
  gpuUtilization: number | null;
  memoryUsed: number | null;
  memoryTotal: number | null;
  temperature: number | null;
  powerUsage: number | null;
  inferenceFps: number | null;
}

export const GpuSampleEntity = new EntitySchema<GpuSampleRow>({
  name: 'GpuSample',
  tableName: 'gpu_stats',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 255 },
    gpuIndex: { name: 'gpu_index', type: 'smallint' },
    recordedAt: { name: 'recorded_at', type: 'timestamptz', precision: 3 },
    gpuName: { name: 'gpu_name', type: 'varchar', length: 255, nullable: true },
    gpuUtilization: { name: 'gpu_utilization', type: 'double precision', nullable: true },
    memoryUsed: { name: 'memory_used', type: 'int', nullable: true },
    memoryTotal: { name: 'memory_total', type: 'int', nullable: true },
    temperature: { type: 'double precision', nullable: true },
    powerUsage: { name: 'power_usage', type: 'double precision', nullable: true },
    inferenceFps: { name: 'inference_fps', type: 'double precision', nullable: true },
  },
});

/** One system metric value (seed 002's SystemMetrics: metric, value, component, time). */
export interface SystemMetricRow {
  id: string;
  agentId: string | null;
  component: string;
  metric: string;
  value: number;
  unit: string | null;
  recordedAt: Date;
}

export const SystemMetricEntity = new EntitySchema<SystemMetricRow>({
  name: 'SystemMetric',
  tableName: 'system_metrics',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    agentId: { name: 'agent_id', type: 'varchar', length: 255, nullable: true },
    component: { type: 'varchar', length: 100 },
    metric: { type: 'varchar', length: 100 },
    value: { type: 'double precision' },
    unit: { type: 'varchar', length: 20, nullable: true },
    recordedAt: { name: 'recorded_at', type: 'timestamptz', precision: 3 },
  },
});
