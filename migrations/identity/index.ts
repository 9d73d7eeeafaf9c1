import { IdentityInitial1763800000000 } from './1763800000000-IdentityInitial';

/** identity's migrations, oldest first. */
export const identityMigrations = [IdentityInitial1763800000000];
