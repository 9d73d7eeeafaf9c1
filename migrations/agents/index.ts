import { AgentsInitial1764700000000 } from './1764700000000-AgentsInitial';
import { AgentsAuditOutbox1764700000001 } from './1764700000001-AgentsAuditOutbox';
import { AgentsJobs1764700000002 } from './1764700000002-AgentsJobs';
import { AgentsTelemetryResponsibleAi1764700000010 } from './1764700000010-AgentsTelemetryResponsibleAi';
import { AgentsReportsScheduler1764700000020 } from './1764700000020-AgentsReportsScheduler';
import { AgentsIdempotencyKeys1766000000000 } from './1766000000000-AgentsIdempotencyKeys';
import { AgentsSnapshotNamesById1766000000010 } from './1766000000010-AgentsSnapshotNamesById';
import { AgentsIndexSnapshotSchedules1764700000030 } from './1764700000030-AgentsIndexSnapshotSchedules';

/** agents' migrations, oldest first. */
export const agentsMigrations = [
  AgentsInitial1764700000000,
  AgentsAuditOutbox1764700000001,
  AgentsJobs1764700000002,
  AgentsTelemetryResponsibleAi1764700000010,
  AgentsReportsScheduler1764700000020,
  AgentsIndexSnapshotSchedules1764700000030,
  AgentsIdempotencyKeys1766000000000,
  AgentsSnapshotNamesById1766000000010,
];
