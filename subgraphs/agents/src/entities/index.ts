import { AgentChangeEntity, AgentEntity } from './agent.entity';
import { EndpointAgentEntity, VulnerabilityEntity } from './endpoint.entity';
import { JobAttemptEntity, JobEntity, JobTransitionEntity } from './job.entity';
import { EndpointArtifactEntity, ScaReportEntity, VulnerabilityReportEntity } from './report.entity';
import { ScheduledJobEntity, SchedulerRunEntity } from './scheduler.entity';
import { IndexSnapshotScheduleEntity } from './index-snapshot.entity';
import { AgentLogEntity, AgentMetricEntity, ExecutionEntity, InteractionEntity } from './execution.entity';
import { GpuSampleEntity, SystemMetricEntity } from './telemetry.entity';
import {
  BiasDetectionEntity,
  DecisionAuditEntity,
  EthicsReportEntity,
  FairnessMetricEntity,
} from './responsible-ai.entity';

export * from './agent.entity';
export * from './endpoint.entity';
export * from './execution.entity';
export * from './job.entity';
export * from './telemetry.entity';
export * from './responsible-ai.entity';
export * from './report.entity';
export * from './scheduler.entity';
export * from './index-snapshot.entity';

export const agentsEntities = [
  AgentEntity,
  AgentChangeEntity,
  ExecutionEntity,
  AgentLogEntity,
  InteractionEntity,
  AgentMetricEntity,
  EndpointAgentEntity,
  VulnerabilityEntity,
  JobEntity,
  JobAttemptEntity,
  JobTransitionEntity,
  GpuSampleEntity,
  SystemMetricEntity,
  DecisionAuditEntity,
  BiasDetectionEntity,
  FairnessMetricEntity,
  EthicsReportEntity,
  VulnerabilityReportEntity,
  ScaReportEntity,
  EndpointArtifactEntity,
  ScheduledJobEntity,
  SchedulerRunEntity,
  IndexSnapshotScheduleEntity,
];
