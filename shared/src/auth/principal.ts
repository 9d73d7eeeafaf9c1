/**
 * The principal: who is calling, as established by the gateway and carried to every subgraph
 * in the signed internal token. Subgraphs never look at user tokens or API keys themselves.
 */

/** The seeded roles. The roles table may hold more; those get no special powers. */
export const Roles = {
  ADMIN: 'admin',
  ANALYST: 'analyst',
  CUSTOMER_USER: 'customer_user',
  SCHEDULER: 'scheduler',
  AUDITOR: 'auditor',
} as const;
export type KnownRole = (typeof Roles)[keyof typeof Roles];

export type UntaggedAlertBehavior = 'VISIBLE_TO_ALL' | 'ADMIN_ONLY' | 'DEFAULT_TAG';

/** The global tag-RBAC switch (owned by incidents), carried in every principal. */
export interface TagAccessSettings {
  enabled: boolean;
  untaggedAlertBehavior: UntaggedAlertBehavior;
  defaultTagId: string | null;
}

export const TAG_RBAC_OFF: TagAccessSettings = Object.freeze({
  enabled: false,
  untaggedAlertBehavior: 'VISIBLE_TO_ALL',
  defaultTagId: null,
});

export type PrincipalKind = 'user' | 'service' | 'anonymous';

export interface Principal {
  kind: PrincipalKind;
  userId: string | null;
  username: string | null;
  role: string | null;
  /** Customers from user_customer_access; what "empty" means depends on the role (policy). */
  customerCodes: string[];
  /** Allowed tags: user tags ∪ role tags. */
  tagIds: string[];
  sessionId: string | null;
  apiKeyId: string | null;
  clientName: string | null;
  persistedOnly: boolean;
  tagAccess: TagAccessSettings;
}

export const anonymousPrincipal = (): Principal => ({
  kind: 'anonymous',
  userId: null,
  username: null,
  role: null,
  customerCodes: [],
  tagIds: [],
  sessionId: null,
  apiKeyId: null,
  clientName: null,
  persistedOnly: false,
  tagAccess: TAG_RBAC_OFF,
});

/** The identity of background work and service-to-service calls (role `scheduler`). */
export const servicePrincipal = (serviceName: string): Principal => ({
  ...anonymousPrincipal(),
  kind: 'service',
  username: `service:${serviceName}`,
  role: Roles.SCHEDULER,
  clientName: serviceName,
});

export const isService = (p: Principal): boolean => p.kind === 'service' && p.role === Roles.SCHEDULER;
export const isAuthenticated = (p: Principal): boolean => p.kind !== 'anonymous';

/**
 * The identity part of a principal as identity's internal fields return it (GraphQL type
 * InternalPrincipal); the gateway adds the kind and the tag-access settings before signing.
 */
export interface InternalPrincipal {
  userId: string;
  username: string;
  role: string;
  customerCodes: string[];
  /** User tags ∪ role tags. */
  tagIds: string[];
  sessionId: string | null;
  apiKeyId: string | null;
  clientName: string | null;
  persistedOnly: boolean;
}
