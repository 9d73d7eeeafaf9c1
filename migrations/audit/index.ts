import { AuditInitial1764000000000 } from './1764000000000-AuditInitial';
import { AuditAuditOutbox1764200000000 } from './1764200000000-AuditAuditOutbox';
import { AuditRetentionArchive1764300000000 } from './1764300000000-AuditRetentionArchive';
import { AuditLogRequestIndex1764400000000 } from './1764400000000-AuditLogRequestIndex';
import { AuditUserHistoryIndexes1764500000000 } from './1764500000000-AuditUserHistoryIndexes';
import { AuditChainVerifications1764610000000 } from './1764610000000-AuditChainVerifications';
import { AuditSealedGithubTokens1764620000000 } from './1764620000000-AuditSealedGithubTokens';
import { AuditIdempotencyKeys1766000000000 } from './1766000000000-AuditIdempotencyKeys';
import { AuditAccessClientRequestId1766200000000 } from './1766200000000-AuditAccessClientRequestId';

/** audit's migrations, oldest first. */
export const auditMigrations = [
  AuditInitial1764000000000,
  AuditAuditOutbox1764200000000,
  AuditRetentionArchive1764300000000,
  AuditLogRequestIndex1764400000000,
  AuditUserHistoryIndexes1764500000000,
  AuditChainVerifications1764610000000,
  AuditSealedGithubTokens1764620000000,
  AuditIdempotencyKeys1766000000000,
  AuditAccessClientRequestId1766200000000,
];
