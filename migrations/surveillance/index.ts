import { SurveillanceInitial1764600000000 } from './1764600000000-SurveillanceInitial';
import { SurveillanceAuditOutbox1764600000001 } from './1764600000001-SurveillanceAuditOutbox';
import { SurveillanceIdempotencyKeys1766000000000 } from './1766000000000-SurveillanceIdempotencyKeys';

/** surveillance's migrations, oldest first. */
export const surveillanceMigrations = [
  SurveillanceInitial1764600000000,
  SurveillanceAuditOutbox1764600000001,
  SurveillanceIdempotencyKeys1766000000000,
];
