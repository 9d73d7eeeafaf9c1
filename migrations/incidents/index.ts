import { IncidentsInitial1763900000000 } from './1763900000000-IncidentsInitial';
import { IncidentsAuditOutbox1764200000000 } from './1764200000000-IncidentsAuditOutbox';
import { IncidentsIdempotencyKeys1766000000000 } from './1766000000000-IncidentsIdempotencyKeys';
import { IncidentsCommentAuthorRole1766100000000 } from './1766100000000-IncidentsCommentAuthorRole';

/** incidents' migrations, oldest first. */
export const incidentsMigrations = [
  IncidentsInitial1763900000000,
  IncidentsAuditOutbox1764200000000,
  IncidentsIdempotencyKeys1766000000000,
  IncidentsCommentAuthorRole1766100000000,
];
