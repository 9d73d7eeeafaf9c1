import type { SubgraphContext } from '@socgraph/shared';
import type { DataSource } from 'typeorm';
import type { AgentsConfig } from './config';
import { createAgentsLoaders, type AgentsLoaders } from './loaders';
import { AgentService } from './services/agent.service';
import type { CreditsClient } from './services/credits';
import { EndpointAgentService } from './services/endpoint.service';
import { ExecutionService } from './services/execution.service';
import { InteractionService } from './services/interaction.service';
import { JobService } from './services/job.service';
import { createResponsibleAiLoaders, type ResponsibleAiLoaders } from './responsible-ai-loaders';
import { ResponsibleAiService } from './services/responsible-ai.service';
import { TelemetryService } from './services/telemetry.service';
import { createTelemetryLoaders, type TelemetryLoaders } from './telemetry-loaders';
import { EndpointReportService } from './services/endpoint-reports.service';
import { ScheduleService } from './services/schedule.service';
import { IndexSnapshotService } from './services/index-snapshot.service';
import { UserAgentService } from './services/user-agents.service';

export interface AgentsDeps {
  dataSource: DataSource;
  config: AgentsConfig;
}

/** The per-request view services work in. Services read the principal from here, never resolvers. */
export interface AgentsContext extends SubgraphContext {
  deps: AgentsDeps;
  loaders: AgentsLoaders;
  /** Identity's credits (reserve, capture, release), over a service call. */
  credits: CreditsClient;
  agents: AgentService;
  executions: ExecutionService;
  interactions: InteractionService;
  endpoints: EndpointAgentService;
  jobs: JobService;
  telemetryLoaders: TelemetryLoaders;
  raiLoaders: ResponsibleAiLoaders;
  telemetry: TelemetryService;
  responsibleAi: ResponsibleAiService;
  reports: EndpointReportService;
  schedules: ScheduleService;
  indexSnapshots: IndexSnapshotService;
  userAgents: UserAgentService;
}

export function agentsContextFactory(creditsFor: (config: AgentsConfig) => CreditsClient) {
  // One client per configuration (it caches its signed token), not one per request.
  const clients = new WeakMap<AgentsConfig, CreditsClient>();
  return (deps: AgentsDeps, base: SubgraphContext): AgentsContext => {
    let credits = clients.get(deps.config);
    if (!credits) {
      credits = creditsFor(deps.config);
      clients.set(deps.config, credits);
    }
    const context = { ...base, deps, credits } as AgentsContext;
    context.loaders = createAgentsLoaders(deps.dataSource, base.principal);
    context.agents = new AgentService(context);
    context.executions = new ExecutionService(context);
    context.interactions = new InteractionService(context);
    context.endpoints = new EndpointAgentService(context);
    context.jobs = new JobService(context);
    context.telemetryLoaders = createTelemetryLoaders(deps.dataSource);
    context.raiLoaders = createResponsibleAiLoaders(deps.dataSource, base.principal);
    context.telemetry = new TelemetryService(context);
    context.responsibleAi = new ResponsibleAiService(context);
    context.reports = new EndpointReportService(context);
    context.schedules = new ScheduleService(context);
    context.indexSnapshots = new IndexSnapshotService(context);
    context.userAgents = new UserAgentService(context);
    return context;
  };
}
