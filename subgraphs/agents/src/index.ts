export { agentsSubgraph, createAgentsSubgraph, SUBGRAPH_NAME, type AgentsSubgraphOptions } from './server';
export { agentsConfigFrom, type AgentsConfig } from './config';
export { agentsEntities } from './entities';
export type { CreditHold, CreditsClient, ReserveRequest } from './services/credits';
export { agentMetricsRollupSql, type MetricPeriod } from './services/metrics-rollup';
export { METRICS_ROLLUP_JOB, scheduleDefinitions } from './services/scheduler';
export { INDEX_SNAPSHOT_JOB } from './services/index-snapshot-job';
export { snapshotNameFor } from './services/opensearch-names';
