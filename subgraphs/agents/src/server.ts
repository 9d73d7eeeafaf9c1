import path from 'node:path';
import { defineSubgraph, type DefinedSubgraph } from '@socgraph/shared';
import { agentsConfigFrom, type AgentsConfig } from './config';
import { agentsContextFactory } from './context';
import { agentsEntities } from './entities';
import { resolvers } from './resolvers';
import { mutationAccess } from './resolvers/mutation-access';
import { identityCreditsClient, type CreditsClient } from './services/credits';
import { demoAgentJob } from './demo-agent';
import { seedAgentsDemo } from './seed';
import { schedulerJob } from './services/scheduler';

export const SUBGRAPH_NAME = 'agents';

export interface AgentsSubgraphOptions {
  /** Where executions reserve and settle credits; identity's billing over a service call by default. */
  credits?: (config: AgentsConfig) => CreditsClient;
}

/** The agents subgraph; tests may hand it another credits client (the stack never does). */
export function createAgentsSubgraph(options: AgentsSubgraphOptions = {}): DefinedSubgraph {
  return defineSubgraph({
    name: SUBGRAPH_NAME,
    defaultPort: 4004,
    schemaPaths: [
      path.join(__dirname, 'schema.graphql'),
      path.join(__dirname, 'telemetry.graphql'),
      path.join(__dirname, 'responsible-ai.graphql'),
      path.join(__dirname, 'endpoint-reports.graphql'),
      path.join(__dirname, 'scheduler.graphql'),
      path.join(__dirname, 'index-snapshots.graphql'),
      path.join(__dirname, 'user.graphql'),
    ],
    resolvers,
    mutationAccess,
    entities: agentsEntities,
    config: agentsConfigFrom,
    createContext: agentsContextFactory(options.credits ?? identityCreditsClient),
    jobs: (deps) => [schedulerJob(deps), demoAgentJob(deps)],
    seedDemo: seedAgentsDemo,
    audit: {
      resources: {
        agent: 'Agent',
        agent_audit_log: { type: 'Agent', idColumn: 'agent_id' },
        agent_execution: 'AgentExecution',
        agent_log: { type: 'AgentExecution', idColumn: 'execution_id' },
        user_agent_interaction: { type: 'Agent', idColumn: 'agent_id' },
        agent_metrics: { type: 'Agent', idColumn: 'agent_id' },
        agents: { type: 'EndpointAgent', idColumn: 'agent_id' },
        agent_vulnerabilities: { type: 'EndpointAgent', idColumn: 'agent_id' },
        ai_decision_audit: 'AiDecisionAudit',
        bias_detection_log: 'BiasDetection',
        fairness_metrics_log: { type: 'Agent', idColumn: 'agent_id' },
        ethics_reports: 'EthicsReport',
        vulnerability_reports: 'VulnerabilityReport',
        sca_reports: 'ScaReport',
        agent_datastore: 'EndpointArtifact',
        scheduled_job_metadata: { type: 'ScheduledJob', idColumn: 'job_id' },
        schedulerjob: { type: 'ScheduledJob', idColumn: 'id' },
        jobs: 'Job',
        index_snapshot_schedules: 'IndexSnapshotSchedule',
      },
    },
  });
}

export const agentsSubgraph = createAgentsSubgraph();
