import { AgentsInitial1764700000000 } from './1764700000000-AgentsInitial';
import { AgentsAuditOutbox1764700000001 } from './1764700000001-AgentsAuditOutbox';
import { AgentsJobs1764700000002 } from './1764700000002-AgentsJobs';
import { AgentsIdempotencyKeys1766000000000 } from './1766000000000-AgentsIdempotencyKeys';

/** agents' migrations, oldest first. */
export const agentsMigrations = [
  AgentsInitial1764700000000,
  AgentsAuditOutbox1764700000001,
  AgentsJobs1764700000002,
  AgentsIdempotencyKeys1766000000000,
];
