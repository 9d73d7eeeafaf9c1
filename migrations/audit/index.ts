import { AuditInitial1764000000000 } from './1764000000000-AuditInitial';

/** audit's migrations, oldest first. */
export const auditMigrations = [AuditInitial1764000000000];
