import { runNamed } from '@socgraph/shared';
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { GPU_BUCKET_MEASURES, TELEMETRY_TABLES, type TelemetryRange } from './services/telemetry.service';

/**
 * Batches for telemetry range reads: every endpoint agent asking the same range, bucket and
 * filter is answered by one GROUP BY statement (a page of 50 agents costs what 5 do). Callers
 * checked the endpoint agents' visibility: the loaders read by agent id only.
 */
export interface GpuBucketKey extends TelemetryRange {
  parent: string;
  gpuIndex: number | null;
}

/** `parent` null: the platform's own metrics. */
export interface SystemBucketKey extends TelemetryRange {
  parent: string | null;
  metric: string;
  component: string | null;
}

export interface Stats {
  avg: number | null;
  min: number | null;
  max: number | null;
}

export interface GpuBucket {
  bucketStart: Date;
  gpuIndex: number;
  samples: number;
  utilization: Stats;
  memoryUsed: Stats;
  temperature: Stats;
  powerUsage: Stats;
  inferenceFps: Stats;
  memoryBandwidthUtilization: Stats;
  fanSpeed: Stats;
}

export interface SystemBucket {
  bucketStart: Date;
  component: string;
  unit: string | null;
  samples: number;
  avg: number;
  min: number;
  max: number;
}

const PLATFORM = '';

/** A DataLoader grouping keys by everything but their parent, one load per group. */
function groupedRangeLoader<K extends { parent: string | null }, V>(
  signatureOf: (key: K) => string,
  load: (parents: string[], sample: K) => Promise<Map<string, V[]>>,
) {
  return new DataLoader<K, V[], string>(
    async (keys) => {
      const groups = new Map<string, K[]>();
      for (const key of keys) groups.set(signatureOf(key), [...(groups.get(signatureOf(key)) ?? []), key]);
      const results = new Map<string, V[]>();
      for (const [signature, group] of groups) {
        const found = await load([...new Set(group.map((k) => k.parent ?? PLATFORM))], group[0]!);
        for (const key of group)
          results.set(`${signature}|${key.parent ?? PLATFORM}`, found.get(key.parent ?? PLATFORM) ?? []);
      }
      return keys.map((key) => results.get(`${signatureOf(key)}|${key.parent ?? PLATFORM}`) ?? []);
    },
    { cacheKeyFn: (key) => `${signatureOf(key)}|${key.parent ?? PLATFORM}` },
  );
}

const rangeSignature = (k: TelemetryRange): unknown[] => [k.from.toISOString(), k.to.toISOString(), k.bucketSeconds];

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function createTelemetryLoaders(dataSource: DataSource) {
  const measures = Object.entries(GPU_BUCKET_MEASURES);
  const aggregates = measures
    .map(
      ([, column]) =>
        `avg(g.${column})::float8 AS ${column}_avg, min(g.${column})::float8 AS ${column}_min, ` +
        `max(g.${column})::float8 AS ${column}_max`,
    )
    .join(', ');
  return {
    /** GPU buckets per endpoint agent, for one range, bucket size and GPU filter. */
    gpuBuckets: groupedRangeLoader<GpuBucketKey, GpuBucket>(
      (k) => JSON.stringify([...rangeSignature(k), k.gpuIndex]),
      async (parents, k) => {
        const rows = await runNamed<Record<string, unknown>>(
          dataSource,
          `SELECT g.agent_id AS parent, g.gpu_index,
                  date_bin(make_interval(secs => CAST(:bucket AS double precision)), g.recorded_at, CAST(:from AS timestamptz)) AS bucket_start,
                  count(*)::int AS samples, ${aggregates}
             FROM ${TELEMETRY_TABLES.gpu} g
            WHERE g.agent_id = ANY(CAST(:parents AS text[])) AND g.recorded_at >= :from AND g.recorded_at < :to
              ${k.gpuIndex === null ? '' : 'AND g.gpu_index = :gpu'}
            GROUP BY 1, 2, 3 ORDER BY 1, 3, 2`,
          { parents, from: k.from, to: k.to, bucket: k.bucketSeconds, gpu: k.gpuIndex },
        );
        const byParent = new Map<string, GpuBucket[]>();
        for (const row of rows) {
          const bucket = {
            bucketStart: new Date(row.bucket_start as string | Date),
            gpuIndex: Number(row.gpu_index),
            samples: Number(row.samples),
          } as GpuBucket;
          for (const [field, column] of measures) {
            (bucket as unknown as Record<string, Stats>)[field] = {
              avg: num(row[`${column}_avg`]),
              min: num(row[`${column}_min`]),
              max: num(row[`${column}_max`]),
            };
          }
          const parent = String(row.parent);
          byParent.set(parent, [...(byParent.get(parent) ?? []), bucket]);
        }
        return byParent;
      },
    ),
    /** System metric buckets per endpoint agent (or the platform), for one metric, range and bucket size. */
    systemBuckets: groupedRangeLoader<SystemBucketKey, SystemBucket>(
      (k) => JSON.stringify([...rangeSignature(k), k.metric, k.component]),
      async (parents, k) => {
        const agents = parents.filter((p) => p !== PLATFORM);
        const rows = await runNamed<Record<string, unknown>>(
          dataSource,
          `SELECT coalesce(m.agent_id, '') AS parent, m.component,
                  date_bin(make_interval(secs => CAST(:bucket AS double precision)), m.recorded_at, CAST(:from AS timestamptz)) AS bucket_start,
                  max(m.unit) AS unit, count(*)::int AS samples,
                  avg(m.value)::float8 AS avg, min(m.value)::float8 AS min, max(m.value)::float8 AS max
             FROM ${TELEMETRY_TABLES.system} m
            WHERE (m.agent_id = ANY(CAST(:agents AS text[])) OR (m.agent_id IS NULL AND CAST(:platform AS boolean)))
              AND m.metric = :metric AND m.recorded_at >= :from AND m.recorded_at < :to
              ${k.component === null ? '' : 'AND m.component = :component'}
            GROUP BY 1, 2, 3 ORDER BY 1, 3, 2`,
          {
            agents,
            platform: parents.includes(PLATFORM),
            metric: k.metric,
            component: k.component,
            from: k.from,
            to: k.to,
            bucket: k.bucketSeconds,
          },
        );
        const byParent = new Map<string, SystemBucket[]>();
        for (const row of rows) {
          const parent = String(row.parent);
          byParent.set(parent, [
            ...(byParent.get(parent) ?? []),
            {
              bucketStart: new Date(row.bucket_start as string | Date),
              component: String(row.component),
              unit: (row.unit as string | null) ?? null,
              samples: Number(row.samples),
              avg: Number(row.avg),
              min: Number(row.min),
              max: Number(row.max),
            },
          ]);
        }
        return byParent;
      },
    ),
  };
}

export type TelemetryLoaders = ReturnType<typeof createTelemetryLoaders>;
