import {
  and,
  groupLoader,
  nestedPages,
  rowLoader,
  rowsAsEntities,
  runNamed,
  type Connection,
  type ConnectionArgs,
  type Principal,
  type SqlCondition,
} from '@socgraph/shared';
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import {
  AgentChangeEntity,
  AgentEntity,
  AgentMetricEntity,
  EndpointAgentEntity,
  ExecutionEntity,
  VulnerabilityEntity,
  JobAttemptEntity,
  JobTransitionEntity,
  type JobAttemptRow,
  type JobTransitionRow,
  type AgentChangeRow,
  type AgentMetricRow,
  type AgentRow,
  type EndpointAgentRow,
  type ExecutionRow,
  type VulnerabilityRow,
  EndpointArtifactEntity,
  InteractionEntity,
  JobEntity,
  ScaReportEntity,
  SchedulerRunEntity,
  VulnerabilityReportEntity,
  type EndpointArtifactRow,
  type InteractionRow,
  type JobRow,
  type ScaReportRow,
  type SchedulerRunRow,
  type VulnerabilityReportRow,
} from './entities';
import {
  T,
  agentVisibility,
  artifactVisibility,
  changeVisibility,
  endpointVisibility,
  executionVisibility,
} from './services/visibility';

export interface MetricsKey {
  parent: string;
  period: 'hourly' | 'daily';
  from: Date;
  to: Date;
}

interface NestedKey {
  parent: string;
  args: ConnectionArgs;
}

/** Batches nested connections asked with the same arguments into one statement per distinct arguments. */
export function nestedLoader<V>(load: (parents: string[], args: ConnectionArgs) => Promise<Map<string, V>>) {
  return new DataLoader<NestedKey, V, string>(
    async (keys) => {
      const groups = new Map<string, NestedKey[]>();
      for (const key of keys) {
        const signature = JSON.stringify([key.args.first ?? null, key.args.after ?? null]);
        groups.set(signature, [...(groups.get(signature) ?? []), key]);
      }
      const results = new Map<string, V>();
      for (const [signature, group] of groups) {
        const pages = await load(
          group.map((k) => k.parent),
          group[0]!.args,
        );
        for (const key of group) results.set(`${signature}|${key.parent}`, pages.get(key.parent)!);
      }
      return keys.map((key) =>
        results.get(`${JSON.stringify([key.args.first ?? null, key.args.after ?? null])}|${key.parent}`)!,
      );
    },
    { cacheKeyFn: (key) => JSON.stringify([key.parent, key.args.first ?? null, key.args.after ?? null]) },
  );
}

export const newestFirst = <R extends { id: string | number }>(column: string, value: (row: R) => Date) =>
  [
    { column, direction: 'DESC', value: (row: R) => value(row).toISOString() },
    { column: 'id', direction: 'DESC', value: (row: R) => row.id },
  ] as const;

export function createAgentsLoaders(dataSource: DataSource, principal: Principal) {
  const select = <R extends Record<string, unknown>>(
    entity: Parameters<typeof rowsAsEntities>[1],
    sql: string,
    params: Record<string, unknown>,
  ) =>
    runNamed<Record<string, unknown>>(dataSource, sql, params).then((raws) =>
      rowsAsEntities<R>(dataSource, entity, raws),
    );

  const agentCondition = agentVisibility(principal, 'a');
  const endpointCondition = endpointVisibility(principal, 'e');
  return {
    /** Agents the caller may see, by id. */
    visibleAgentById: rowLoader<string, AgentRow>(
      (ids) =>
        select<AgentRow & Record<string, unknown>>(
          AgentEntity,
          `SELECT a.* FROM ${T.agent} a WHERE a.id = ANY(CAST(:ids AS text[])) AND (${agentCondition.sql})`,
          { ...agentCondition.params, ids: [...ids] },
        ),
      (row) => row.id,
    ),
    /** Agents by id regardless of visibility: for an execution the caller may see, its agent. */
    agentById: rowLoader<string, AgentRow>(
      (ids) =>
        select<AgentRow & Record<string, unknown>>(
          AgentEntity,
          `SELECT a.* FROM ${T.agent} a WHERE a.id = ANY(CAST(:ids AS text[]))`,
          {
            ids: [...ids],
          },
        ),
      (row) => row.id,
    ),
    executionsByAgent: nestedLoader<Connection<ExecutionRow>>((parents, args) =>
      nestedPages(parents, {
        dataSource,
        entity: ExecutionEntity,
        table: T.execution,
        alias: 'x',
        parentColumn: 'agent_id',
        where: and(executionVisibility(principal, 'x'), { sql: `x.status <> 'running'`, params: {} }),
        order: newestFirst<ExecutionRow>('started_at', (row) => row.startedAt),
        args,
      }),
    ),
    changesByAgent: nestedLoader<Connection<AgentChangeRow>>((parents, args) =>
      nestedPages(parents, {
        dataSource,
        entity: AgentChangeEntity,
        table: T.change,
        alias: 'c',
        parentColumn: 'agent_id',
        where: changeVisibility(principal, 'c'),
        order: newestFirst<AgentChangeRow>('changed_at', (row) => row.changedAt),
        args,
      }),
    ),
    /** Metric rows of many agents for one period and range, in one statement per distinct range. */
    metricsByAgent: new DataLoader<MetricsKey, AgentMetricRow[], string>(
      async (keys) => {
        const byRange = new Map<string, MetricsKey[]>();
        for (const key of keys) {
          const range = JSON.stringify([key.period, key.from.toISOString(), key.to.toISOString()]);
          byRange.set(range, [...(byRange.get(range) ?? []), key]);
        }
        const found = new Map<string, AgentMetricRow[]>();
        for (const [range, group] of byRange) {
          const { period, from, to } = group[0]!;
          const metrics = await select<AgentMetricRow & Record<string, unknown>>(
            AgentMetricEntity,
            `SELECT m.* FROM ${T.metricsTable} m WHERE m.agent_id = ANY(CAST(:ids AS text[])) AND m.period = :period
               AND m.bucket_start >= :from AND m.bucket_start < :to ORDER BY m.bucket_start`,
            { ids: group.map((k) => k.parent), period, from, to },
          );
          for (const row of metrics) {
            const list = found.get(`${range}|${row.agentId}`) ?? [];
            list.push(row);
            found.set(`${range}|${row.agentId}`, list);
          }
        }
        return keys.map(
          (key) =>
            found.get(`${JSON.stringify([key.period, key.from.toISOString(), key.to.toISOString()])}|${key.parent}`) ??
            [],
        );
      },
      { cacheKeyFn: (key) => JSON.stringify([key.parent, key.period, key.from.toISOString(), key.to.toISOString()]) },
    ),
    /** A job's attempts and transitions (the job itself was checked by its caller). */
    attemptsByJob: groupLoader<string, JobAttemptRow>(
      (ids) =>
        select<JobAttemptRow & Record<string, unknown>>(
          JobAttemptEntity,
          `SELECT a.* FROM agents.job_attempts a WHERE a.job_id = ANY(CAST(:ids AS text[])) ORDER BY a.attempt_number`,
          { ids: [...ids] },
        ),
      (row) => row.jobId,
    ),
    transitionsByJob: groupLoader<string, JobTransitionRow>(
      (ids) =>
        select<JobTransitionRow & Record<string, unknown>>(
          JobTransitionEntity,
          `SELECT t.* FROM agents.job_transitions t WHERE t.job_id = ANY(CAST(:ids AS text[])) ORDER BY t.transitioned_at, t.id`,
          { ids: [...ids] },
        ),
      (row) => row.jobId,
    ),
    /** Endpoint agents in the caller's customer scope, by agent id. */
    visibleEndpointById: rowLoader<string, EndpointAgentRow>(
      (ids) =>
        select<EndpointAgentRow & Record<string, unknown>>(
          EndpointAgentEntity,
          `SELECT e.* FROM ${T.endpoint} e WHERE e.agent_id = ANY(CAST(:ids AS text[])) AND (${endpointCondition.sql})`,
          { ...endpointCondition.params, ids: [...ids] },
        ),
      (row) => row.agentId,
    ),
    /** Vulnerabilities in the caller's customer scope, by endpoint agent id. */
    vulnerabilitiesByAgent: groupLoader<string, VulnerabilityRow>(
      (agentIds) => {
        const condition = endpointVisibility(principal, 'v');
        return select<VulnerabilityRow & Record<string, unknown>>(
          VulnerabilityEntity,
          `SELECT v.* FROM ${T.vulnerability} v WHERE v.agent_id = ANY(CAST(:ids AS text[])) AND (${condition.sql}) ` +
            `ORDER BY v.discovered_at DESC, v.id DESC`,
          { ...condition.params, ids: [...agentIds] },
        );
      },
      (row) => row.agentId,
    ),
    ...createReportLoaders(dataSource, principal),
    ...createUserLoaders(dataSource),
  };
}

/** The newest first by a timestamp column, then id: what reports and artefacts page by. */
const newestByColumn = <R extends { id: number }>(column: string, value: (row: R) => Date) =>
  [
    { column, direction: 'DESC', value: (row: R) => value(row).toISOString() },
    { column: 'id', direction: 'DESC', value: (row: R) => row.id },
  ] as const;

/** Endpoint agents' reports and artefacts: single rows by id and nested pages per agent, customer-scoped. */
function createReportLoaders(dataSource: DataSource, principal: Principal) {
  const byId = <R extends { id: number }>(
    entity: Parameters<typeof rowsAsEntities>[1],
    table: string,
    condition: SqlCondition,
  ) =>
    rowLoader<number, R>(
      async (ids) =>
        rowsAsEntities<R & Record<string, unknown>>(
          dataSource,
          entity,
          await runNamed<Record<string, unknown>>(
            dataSource,
            `SELECT r.* FROM ${table} r WHERE r.id = ANY(CAST(:ids AS int[])) AND (${condition.sql})`,
            { ...condition.params, ids: [...ids] },
          ),
        ),
      (row) => row.id,
    );
  const reportCondition = endpointVisibility(principal, 'r');
  return {
    visibleVulnerabilityReportById: byId<VulnerabilityReportRow>(
      VulnerabilityReportEntity,
      T.vulnerabilityReport,
      reportCondition,
    ),
    visibleScaReportById: byId<ScaReportRow>(ScaReportEntity, T.scaReport, reportCondition),
    visibleArtifactById: byId<EndpointArtifactRow>(
      EndpointArtifactEntity,
      T.artifact,
      artifactVisibility(principal, 'r'),
    ),
    vulnerabilityReportsByAgent: nestedLoader<Connection<VulnerabilityReportRow>>((parents, args) =>
      nestedPages(parents, {
        dataSource,
        entity: VulnerabilityReportEntity,
        table: T.vulnerabilityReport,
        alias: 'r',
        parentColumn: 'agent_id',
        where: reportCondition,
        order: newestByColumn<VulnerabilityReportRow>('generated_at', (row) => row.generatedAt),
        args,
      }),
    ),
    scaReportsByAgent: nestedLoader<Connection<ScaReportRow>>((parents, args) =>
      nestedPages(parents, {
        dataSource,
        entity: ScaReportEntity,
        table: T.scaReport,
        alias: 'r',
        parentColumn: 'agent_id',
        where: reportCondition,
        order: newestByColumn<ScaReportRow>('generated_at', (row) => row.generatedAt),
        args,
      }),
    ),
    artifactsByAgent: nestedLoader<Connection<EndpointArtifactRow>>((parents, args) =>
      nestedPages(parents, {
        dataSource,
        entity: EndpointArtifactEntity,
        table: T.artifact,
        alias: 'd',
        parentColumn: 'agent_id',
        where: artifactVisibility(principal, 'd'),
        order: newestByColumn<EndpointArtifactRow>('upload_time', (row) => row.uploadTime),
        args,
      }),
    ),
  };
}

/**
 * `User.agentExecutions` and `User.agentInteractions`: one LATERAL page per user in one
 * statement. Which users' pages the caller may read is decided before (UserAgentService);
 * these load what they are asked.
 */
function createUserLoaders(dataSource: DataSource) {
  return {
    executionsByUser: nestedLoader<Connection<ExecutionRow>>((parents, args) =>
      nestedPages(parents, {
        dataSource,
        entity: ExecutionEntity,
        table: T.execution,
        alias: 'x',
        parentColumn: 'user_id',
        where: { sql: `x.status <> 'running'`, params: {} },
        order: newestFirst<ExecutionRow>('started_at', (row) => row.startedAt),
        args,
      }),
    ),
    interactionsByUser: nestedLoader<Connection<InteractionRow>>((parents, args) =>
      nestedPages(parents, {
        dataSource,
        entity: InteractionEntity,
        table: T.interaction,
        alias: 'i',
        parentColumn: 'user_id',
        where: { sql: 'TRUE', params: {} },
        // Newest relation first (last_used_at is null for agents only rated or marked: no keyset on it).
        order: [{ column: 'id', direction: 'DESC', value: (row: InteractionRow) => row.id }],
        args,
      }),
    ),
    /** When each scheduled job runs next. */
    scheduleRunById: rowLoader<string, SchedulerRunRow>(
      async (ids) =>
        rowsAsEntities<SchedulerRunRow & Record<string, unknown>>(
          dataSource,
          SchedulerRunEntity,
          await runNamed<Record<string, unknown>>(
            dataSource,
            `SELECT s.* FROM ${T.scheduleRun} s WHERE s.id = ANY(CAST(:ids AS text[]))`,
            { ids: [...ids] },
          ),
        ),
      (row) => row.id,
    ),
    /** Jobs by id (the caller was checked: scheduled jobs are the admins'). */
    jobById: rowLoader<string, JobRow>(
      async (ids) =>
        rowsAsEntities<JobRow & Record<string, unknown>>(
          dataSource,
          JobEntity,
          await runNamed<Record<string, unknown>>(
            dataSource,
            `SELECT j.* FROM agents.jobs j WHERE j.id = ANY(CAST(:ids AS text[]))`,
            { ids: [...ids] },
          ),
        ),
      (row) => row.id,
    ),
  };
}

export type AgentsLoaders = ReturnType<typeof createAgentsLoaders>;
