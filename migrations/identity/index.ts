import { IdentityInitial1763800000000 } from './1763800000000-IdentityInitial';
import { IdentityAuditOutbox1764200000000 } from './1764200000000-IdentityAuditOutbox';
import { IdentityLoginLockout1764500000000 } from './1764500000000-IdentityLoginLockout';
import { IdentityBilling1765000000000 } from './1765000000000-IdentityBilling';
import { IdentitySettings1765100000000 } from './1765100000000-IdentitySettings';
import { IdentityApiKeyExpiry1765200000000 } from './1765200000000-IdentityApiKeyExpiry';
import { IdentityCustomerMeta1765300000000 } from './1765300000000-IdentityCustomerMeta';
import { IdentityIdempotencyKeys1766000000000 } from './1766000000000-IdentityIdempotencyKeys';

/** identity's migrations, oldest first. */
export const identityMigrations = [
  IdentityInitial1763800000000,
  IdentityAuditOutbox1764200000000,
  IdentityLoginLockout1764500000000,
  IdentityBilling1765000000000,
  IdentitySettings1765100000000,
  IdentityApiKeyExpiry1765200000000,
  IdentityCustomerMeta1765300000000,
  IdentityIdempotencyKeys1766000000000,
];
