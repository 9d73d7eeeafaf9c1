import {
  badUserInput,
  describeAuditEntry,
  isUnrestricted,
  optionalText,
  runNamed,
  ScopedService,
  text,
} from '@socgraph/shared';
import type { AgentsContext } from '../context';
import { T } from './visibility';

/** At most this many samples or values per ingestion call. */
export const MAX_TELEMETRY_BATCH = 1000;
/** At most this many buckets per range query. */
export const MAX_TELEMETRY_BUCKETS = 1000;
const MAX_BUCKET_SECONDS = 31 * 86_400;
const MAX_RANGE_MS = 366 * 86_400_000;
/** Clocks of hosts drift: a sample may be this far ahead of ours. */
const FUTURE_SKEW_MS = 5 * 60_000;

export const TELEMETRY_TABLES = { gpu: 'agents.gpu_stats', system: 'agents.system_metrics' } as const;

interface Measure {
  field: string;
  column: string;
  kind: 'float' | 'int';
  min?: number;
  max?: number;
}

const snake = (name: string): string => name.replace(/[A-Z0-9]+/g, (m) => `_${m.toLowerCase()}`);
const measure = (field: string, kind: Measure['kind'], min?: number, max?: number): Measure => ({
  field,
  column: field === 'bar1Used' ? 'bar1_used' : snake(field),
  kind,
  ...(min !== undefined ? { min } : {}),
  ...(max !== undefined ? { max } : {}),
});

/** Seed 003's gpu_stats measurements with the ranges the table's checks hold. */
export const GPU_MEASURES: readonly Measure[] = [
  measure('gpuUtilization', 'float', 0, 100),
  measure('memoryUsed', 'int', 0),
  measure('memoryTotal', 'int', 0),
  measure('temperature', 'float', -50, 150),
  measure('powerUsage', 'float', 0),
  measure('inferenceFps', 'float', 0),
  measure('fanSpeed', 'int', 0, 100),
  measure('smClock', 'int', 0),
  measure('memoryBandwidthUtilization', 'float', 0, 100),
  measure('pstate', 'int', 0, 15),
  measure('throttleReasons', 'int', 0),
  measure('powerLimit', 'float', 0),
  measure('smClockMax', 'int', 0),
  measure('computeProcessesCount', 'int', 0),
  measure('pcieReplayCounter', 'int', 0),
  measure('tempSlowdownThreshold', 'float', -50, 150),
  measure('memoryClock', 'int', 0),
  measure('memoryClockMax', 'int', 0),
  measure('pcieLinkGen', 'int', 1, 7),
  measure('pcieLinkWidth', 'int', 1, 32),
  measure('pcieTxThroughput', 'int', 0),
  measure('pcieRxThroughput', 'int', 0),
  measure('encoderUtilization', 'int', 0, 100),
  measure('decoderUtilization', 'int', 0, 100),
  measure('bar1Used', 'int', 0),
];

/** The measurements a GPU bucket aggregates, by their GraphQL field. */
export const GPU_BUCKET_MEASURES = {
  utilization: 'gpu_utilization',
  memoryUsed: 'memory_used',
  temperature: 'temperature',
  powerUsage: 'power_usage',
  inferenceFps: 'inference_fps',
  memoryBandwidthUtilization: 'memory_bandwidth_utilization',
  fanSpeed: 'fan_speed',
} as const;

export type GpuSampleInput = {
  agentId: string;
  gpuIndex?: number | null;
  recordedAt: Date;
  gpuName?: string | null;
} & Record<string, unknown>;

export interface SystemMetricInput {
  agentId?: string | null;
  component: string;
  metric: string;
  value: number;
  unit?: string | null;
  recordedAt: Date;
}

/** A validated range query: buckets of `bucketSeconds` aligned on `from`. */
export interface TelemetryRange {
  from: Date;
  to: Date;
  bucketSeconds: number;
}

/** Checks a range query's bounds: `to` after `from`, a sane bucket, at most MAX_TELEMETRY_BUCKETS buckets. */
export function telemetryRange(args: { from: Date; to: Date; bucketSeconds: number }): TelemetryRange {
  const span = args.to.getTime() - args.from.getTime();
  if (!(span > 0)) throw badUserInput('to must be after from', 'to');
  if (span > MAX_RANGE_MS) throw badUserInput('At most 366 days of telemetry at once', 'to');
  const bucket = args.bucketSeconds;
  if (!Number.isInteger(bucket) || bucket < 1 || bucket > MAX_BUCKET_SECONDS)
    throw badUserInput(`bucketSeconds must be an integer from 1 to ${MAX_BUCKET_SECONDS}`, 'bucketSeconds');
  const buckets = Math.ceil(span / (bucket * 1000));
  if (buckets > MAX_TELEMETRY_BUCKETS)
    throw badUserInput(
      `The range holds ${buckets} buckets of ${bucket} s; at most ${MAX_TELEMETRY_BUCKETS}: use larger buckets`,
      'bucketSeconds',
      { maxBuckets: MAX_TELEMETRY_BUCKETS },
    );
  return { from: args.from, to: args.to, bucketSeconds: bucket };
}

export function gpuIndexArg(value: number | null | undefined, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 0 || value > 63) throw badUserInput(`${field} must be 0 to 63`, field);
  return value;
}

const METRIC_NAME = /^[a-z][a-z0-9_.]*$/;

/** Telemetry of endpoint agents' hosts: bounded, validated, one-statement ingestion; scoped range reads. */
export class TelemetryService extends ScopedService<AgentsContext> {
  async recordGpuSamples(samples: readonly GpuSampleInput[]): Promise<{ accepted: number }> {
    batchSize(samples.length, 'input.samples');
    const when = this.acceptedWindow();
    const rows = samples.map((sample, i) => {
      const at = `input.samples[${i}]`;
      const row: Record<string, unknown> = {
        agent_id: text(sample.agentId, `${at}.agentId`, { max: 255 }),
        gpu_index: gpuIndexArg(sample.gpuIndex, `${at}.gpuIndex`) ?? 0,
        recorded_at: recordedAt(sample.recordedAt, `${at}.recordedAt`, when),
        gpu_name: optionalText(sample.gpuName, `${at}.gpuName`, { max: 255 }),
      };
      for (const m of GPU_MEASURES) row[m.column] = measured(sample[m.field], m, `${at}.${m.field}`);
      const used = row.memory_used as number | null;
      const total = row.memory_total as number | null;
      if (used !== null && total !== null && used > total)
        throw badUserInput(`${at}.memoryUsed must not exceed memoryTotal`, `${at}.memoryUsed`);
      return row;
    });
    await this.requireEndpoints(
      rows.map((r) => r.agent_id as string),
      (i) => `input.samples[${i}].agentId`,
    );
    const columns = ['agent_id', 'gpu_index', 'recorded_at', 'gpu_name', ...GPU_MEASURES.map((m) => m.column)];
    const types = [
      'varchar',
      'smallint',
      'timestamptz',
      'varchar',
      ...GPU_MEASURES.map((m) => (m.kind === 'int' ? 'integer' : 'double precision')),
    ];
    // One statement for the whole batch, inside the mutation's transaction: all or none.
    await runNamed(
      this.dataSource,
      `INSERT INTO ${TELEMETRY_TABLES.gpu} (${columns.join(', ')})
       SELECT ${columns.join(', ')} FROM jsonb_to_recordset(CAST(:rows AS jsonb))
         AS r(${columns.map((c, i) => `${c} ${types[i]}`).join(', ')})`,
      { rows: JSON.stringify(rows) },
    );
    describeAuditEntry({
      resourceType: 'EndpointAgent',
      resourceId:
        rows.length === 1 || new Set(rows.map((r) => r.agent_id)).size === 1 ? String(rows[0]!.agent_id) : null,
      details: { table: 'gpu_stats', accepted: rows.length, agents: [...new Set(rows.map((r) => r.agent_id))] },
    });
    return { accepted: rows.length };
  }

  async recordSystemMetrics(metrics: readonly SystemMetricInput[]): Promise<{ accepted: number }> {
    batchSize(metrics.length, 'input.metrics');
    const when = this.acceptedWindow();
    const rows = metrics.map((metric, i) => {
      const at = `input.metrics[${i}]`;
      const unit = optionalText(metric.unit, `${at}.unit`, { max: 20 });
      if (!Number.isFinite(metric.value)) throw badUserInput(`${at}.value must be finite`, `${at}.value`);
      if (unit === 'percent' && (metric.value < 0 || metric.value > 100))
        throw badUserInput(`${at}.value must be 0..100 for unit percent`, `${at}.value`);
      return {
        agent_id: optionalText(metric.agentId, `${at}.agentId`, { max: 255 }),
        component: text(metric.component, `${at}.component`, { max: 100 }),
        metric: text(metric.metric, `${at}.metric`, {
          max: 100,
          pattern: METRIC_NAME,
          patternHint: 'must be lower case letters, digits, _ and .',
        }),
        value: metric.value,
        unit,
        recorded_at: recordedAt(metric.recordedAt, `${at}.recordedAt`, when),
      };
    });
    await this.requireEndpoints(
      rows.map((r) => r.agent_id),
      (i) => `input.metrics[${i}].agentId`,
    );
    await runNamed(
      this.dataSource,
      `INSERT INTO ${TELEMETRY_TABLES.system} (agent_id, component, metric, value, unit, recorded_at)
       SELECT agent_id, component, metric, value, unit, recorded_at FROM jsonb_to_recordset(CAST(:rows AS jsonb))
         AS r(agent_id varchar, component varchar, metric varchar, value double precision, unit varchar, recorded_at timestamptz)`,
      { rows: JSON.stringify(rows) },
    );
    describeAuditEntry({
      resourceType: 'SystemMetric',
      resourceId: null,
      details: { table: 'system_metrics', accepted: rows.length, metrics: [...new Set(rows.map((r) => r.metric))] },
    });
    return { accepted: rows.length };
  }

  /** Top-level GPU query: null unless the caller may see the endpoint agent. */
  async gpuTelemetry(args: { agentId: string; from: Date; to: Date; bucketSeconds: number; gpuIndex?: number | null }) {
    const range = telemetryRange(args);
    const gpuIndex = gpuIndexArg(args.gpuIndex, 'gpuIndex');
    const endpoint = await this.scope.endpoints.byAgentId(args.agentId);
    if (!endpoint) return null;
    return this.scope.telemetryLoaders.gpuBuckets.load({ parent: endpoint.agentId, ...range, gpuIndex });
  }

  /** Top-level system metric query: an endpoint agent's (its customer scope) or the platform's (unrestricted roles). */
  async systemMetrics(args: {
    agentId?: string | null;
    metric: string;
    component?: string | null;
    from: Date;
    to: Date;
    bucketSeconds: number;
  }) {
    const range = telemetryRange(args);
    const metric = text(args.metric, 'metric', { max: 100 });
    const component = optionalText(args.component, 'component', { max: 100 });
    let parent: string | null = null;
    if (args.agentId !== null && args.agentId !== undefined) {
      const endpoint = await this.scope.endpoints.byAgentId(args.agentId);
      if (!endpoint) return null;
      parent = endpoint.agentId;
    } else if (!isUnrestricted(this.principal)) {
      return null;
    }
    return this.scope.telemetryLoaders.systemBuckets.load({ parent, ...range, metric, component });
  }

  /** From AGENT_TELEMETRY_MAX_AGE_HOURS ago to FUTURE_SKEW_MS ahead, fixed once per batch. */
  private acceptedWindow(): AcceptedWindow {
    const now = Date.now();
    const maxAgeHours = this.scope.deps.config.AGENT_TELEMETRY_MAX_AGE_HOURS;
    return { earliest: now - maxAgeHours * 3_600_000, latest: now + FUTURE_SKEW_MS, maxAgeHours };
  }

  /** Every named endpoint agent must exist; the first unknown one is BAD_USER_INPUT on its field. */
  private async requireEndpoints(ids: readonly (string | null)[], fieldOf: (i: number) => string): Promise<void> {
    const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
    if (wanted.length === 0) return;
    const found = await runNamed<{ agent_id: string }>(
      this.dataSource,
      `SELECT agent_id FROM ${T.endpoint} WHERE agent_id = ANY(CAST(:ids AS text[]))`,
      { ids: wanted },
    );
    const known = new Set(found.map((r) => r.agent_id));
    const index = ids.findIndex((id) => id !== null && !known.has(id));
    if (index >= 0) throw badUserInput(`Unknown endpoint agent ${ids[index]}`, fieldOf(index));
  }
}

function batchSize(length: number, field: string): void {
  if (length < 1 || length > MAX_TELEMETRY_BATCH)
    throw badUserInput(`${field} must hold 1 to ${MAX_TELEMETRY_BATCH} entries`, field);
}

interface AcceptedWindow {
  earliest: number;
  latest: number;
  maxAgeHours: number;
}

function recordedAt(value: Date, field: string, bounds: AcceptedWindow): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw badUserInput(`${field} is not a time`, field);
  if (value.getTime() > bounds.latest)
    throw badUserInput(`${field} is more than ${FUTURE_SKEW_MS / 60_000} minutes in the future`, field);
  if (value.getTime() < bounds.earliest)
    throw badUserInput(`${field} is more than ${bounds.maxAgeHours} hours old`, field, {
      maxAgeHours: bounds.maxAgeHours,
    });
  return value.toISOString();
}

function measured(value: unknown, m: Measure, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw badUserInput(`${field} must be a number`, field);
  if (m.kind === 'int' && !Number.isInteger(value)) throw badUserInput(`${field} must be an integer`, field);
  if ((m.min !== undefined && value < m.min) || (m.max !== undefined && value > m.max)) {
    const range = m.max !== undefined ? `${m.min ?? '-∞'}..${m.max}` : `at least ${m.min}`;
    throw badUserInput(`${field} must be ${range}`, field);
  }
  return value;
}
