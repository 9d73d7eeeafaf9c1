import { randomBytes } from 'node:crypto';
import { anonymousPrincipal, servicePrincipal, TAG_RBAC_OFF, type Principal } from '@socgraph/shared';

/** 32 random bytes, base64url: a secret (JWT, internal token, signing key) for one test run. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A principal for tests; fields default to an admin with tag RBAC off. */
export function testPrincipal(overrides: Partial<Principal> = {}): Principal {
  return {
    ...anonymousPrincipal(),
    kind: 'user',
    userId: '1',
    username: 'admin',
    role: 'admin',
    tagAccess: TAG_RBAC_OFF,
    ...overrides,
  };
}

/** The admin every subgraph test acts as unless it says otherwise. */
export const ADMIN: Principal = testPrincipal();

/** A service principal (role `scheduler`), as background work and service-to-service calls carry. */
export const SERVICE: Principal = servicePrincipal('test');
