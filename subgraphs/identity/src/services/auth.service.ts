import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import {
  anonymousPrincipal,
  describeAuditEntry,
  recordAuthEvent,
  requireAuthenticated,
  requireService,
  ScopedService,
  signUserToken,
  unauthenticated,
  type AuthEventInput,
  type InternalPrincipal,
} from '@socgraph/shared';
import type { RequestScope } from '../context';
import { SessionEntity, UserEntity, type UserRow } from '../entities';
import { hashApiKeySecret, mayHoldApiKey } from './api-key.service';
import { bumpUsage } from './ledger';
import { decoyHash, verifyPassword } from './password';

export interface AuthPayload {
  token: string;
  expiresAt: Date;
  user: UserRow;
}

export type { InternalPrincipal };

/** One message for every failed login, so usernames cannot be probed. */
const LOGIN_FAILED = 'Invalid username or password';

/**
 * The user's role, customers and allowed tags (user tags ∪ role tags) in one statement,
 * so resolving a principal costs one round trip.
 */
const PRINCIPAL_SQL = `
  SELECT u.id::text AS user_id, u.username, r.name AS role,
         COALESCE((SELECT array_agg(a.customer_code ORDER BY a.customer_code)
                     FROM identity.user_customer_access a WHERE a.user_id = u.id), '{}') AS customer_codes,
         COALESCE((SELECT array_agg(t.tag_id::text ORDER BY t.tag_id) FROM (
                     SELECT tag_id FROM identity.user_tag_access WHERE user_id = u.id
                     UNION SELECT tag_id FROM identity.role_tag_access WHERE role_id = u.role_id) t), '{}') AS tag_ids`;

interface PrincipalRow {
  user_id: string;
  username: string;
  role: string;
  customer_codes: string[];
  tag_ids: string[];
}

export class AuthService extends ScopedService<RequestScope> {
  async login(username: string, password: string): Promise<AuthPayload> {
    const { dataSource, config } = this.scope.deps;
    // The trail names who tried, whether or not they get in.
    const attempted = username.slice(0, 64);
    describeAuditEntry({ actor: attempted, resourceType: 'Session' });
    const user =
      username.length <= 64
        ? await dataSource
            .getRepository(UserEntity)
            .createQueryBuilder('u')
            .addSelect('u.passwordHash')
            .where('lower(u.username) = lower(:username)', { username })
            .getOne()
        : null;
    // Verify against a decoy when the user is unknown: same work, same answer. A locked account
    // is verified too, so the answer's timing does not tell that it is locked (or exists).
    const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash(config.PASSWORD_SCRYPT_COST)));
    const locked = user !== null && this.scope.lockout.isLocked(user);
    if (!user || !valid || locked) throw await this.failedLogin(attempted, user, locked);
    describeAuditEntry({ actor: user.username });

    const expiresAt = new Date(Date.now() + config.SESSION_TTL_SECONDS * 1000);
    const sessionId = randomUUID();
    await dataSource.transaction(async (tx) => {
      await tx.getRepository(SessionEntity).insert({
        sessionId,
        userId: user.id,
        ipAddress: this.scope.clientIp,
        userAgent: this.scope.userAgent,
        expiresAt,
      });
      // A successful login starts the failure count afresh.
      await tx
        .getRepository(UserEntity)
        .update({ id: user.id }, { lastLoginAt: new Date(), failedLoginCount: 0, lockedUntil: null });
      await bumpUsage(tx, user.id, { logins: 1 });
    });
    await this.authEvent({
      eventType: 'LOGIN',
      status: 'SUCCESS',
      userId: String(user.id),
      username: user.username,
      sessionId,
    });
    const token = await signUserToken({ userId: String(user.id), sessionId, expiresAt }, config.JWT_SECRET);
    // The rest of this request reads the payload as the signed-in user, so `login { user { customers } }`
    // sees the user's own private fields.
    const role = await this.scope.loaders.roleById.load(user.roleId);
    this.scope.principal = {
      ...anonymousPrincipal(),
      kind: 'user',
      userId: String(user.id),
      username: user.username,
      role: role?.name ?? null,
      sessionId,
    };
    const { passwordHash: _hash, ...publicUser } = user;
    return { token, expiresAt, user: { ...publicUser, failedLoginCount: 0, lockedUntil: null } as UserRow };
  }

  /**
   * Counts a failed login towards its account's lock, records the auth event, and returns the
   * one error every failed login gets, locked or not.
   */
  private async failedLogin(attempted: string, user: UserRow | null, locked: boolean): Promise<GraphQLError> {
    const { lockout } = this.scope;
    // Every failure runs the counting statement (counting nothing for an unknown user or a
    // locked account), so the answer costs the same whoever was named.
    const counted = await lockout.recordFailure(user && !locked ? user.id : null);
    // Not counted for an existing user: locked, before this attempt or by a concurrent failure.
    const refused = user !== null && lockout.enabled && (locked || counted === null);
    const state = counted ?? (user && locked ? lockout.stateOf(user) : null);
    const lock = state && {
      failedLoginCount: state.failedLoginCount,
      lockedUntil: state.lockedUntil?.toISOString() ?? null,
    };
    // The count is written outside this (rolled back) transaction: the entry says what it became.
    if (lock) describeAuditEntry({ details: { lockout: lock } });
    // Kept although the login fails (the mutation's outbox write survives its rollback).
    await this.authEvent({
      eventType: 'LOGIN',
      status: 'FAILURE',
      userId: user ? String(user.id) : null,
      username: attempted,
      sessionId: null,
      details: { reason: !user ? 'unknown_user' : refused ? 'locked' : 'wrong_password', ...lock },
    });
    return unauthenticated(LOGIN_FAILED);
  }

  /** Ends the caller's session. API-key callers have no session to end. */
  async logout(): Promise<boolean> {
    const p = this.scope.principal;
    requireAuthenticated(p);
    if (!p.sessionId) return false;
    const result = await this.scope.deps.dataSource
      .getRepository(SessionEntity)
      .update(
        { sessionId: p.sessionId, isActive: true },
        { isActive: false, logoutAt: new Date(), logoutReason: 'logout' },
      );
    const ended = (result.affected ?? 0) > 0;
    if (ended) {
      await this.authEvent({
        eventType: 'LOGOUT',
        status: 'SUCCESS',
        userId: p.userId,
        username: p.username,
        sessionId: p.sessionId,
      });
    }
    return ended;
  }

  /** An auth event from this request's client, kept in the outbox with the mutation's audit entry. */
  private authEvent(event: Omit<AuthEventInput, 'ipAddress' | 'userAgent'>): Promise<void> {
    return recordAuthEvent(this.scope.deps.dataSource, {
      ...event,
      ipAddress: this.scope.clientIp,
      userAgent: this.scope.userAgent,
    });
  }

  /** For the gateway: the principal of a live session, or null once it ended or expired. */
  async principalForSession(sessionId: string): Promise<InternalPrincipal | null> {
    requireService(this.scope.principal);
    const rows = (await this.scope.deps.dataSource.query(
      `${PRINCIPAL_SQL}
         FROM identity.user_sessions s
         JOIN identity.users u ON u.id = s.user_id
         JOIN identity.roles r ON r.id = u.role_id
        WHERE s.session_id = $1 AND s.is_active AND s.expires_at > now()`,
      [sessionId],
    )) as PrincipalRow[];
    const row = rows[0];
    return row ? toPrincipal(row, { sessionId, apiKeyId: null, clientName: null, persistedOnly: false }) : null;
  }

  /** For the gateway: the principal behind an API key secret, recording the key's use. */
  async principalForApiKey(secret: string): Promise<InternalPrincipal | null> {
    requireService(this.scope.principal);
    if (secret.length > 200) return null;
    const rows = (await this.scope.deps.dataSource.query(
      `WITH used AS (
         UPDATE identity.api_keys SET last_used_at = now()
          WHERE secret_hash = $1 AND revoked_at IS NULL AND expires_at > now()
          RETURNING id, user_id, client_name, persisted_only)
       ${PRINCIPAL_SQL}, used.id::text AS api_key_id, used.client_name, used.persisted_only
         FROM used
         JOIN identity.users u ON u.id = used.user_id
         JOIN identity.roles r ON r.id = u.role_id`,
      [hashApiKeySecret(secret)],
    )) as (PrincipalRow & { api_key_id: string; client_name: string; persisted_only: boolean })[];
    const row = rows[0];
    // A key of a role that may hold none (an auditor's, made before that rule) opens nothing.
    return row && mayHoldApiKey(row.role)
      ? toPrincipal(row, {
          sessionId: null,
          apiKeyId: row.api_key_id,
          clientName: row.client_name,
          persistedOnly: row.persisted_only,
        })
      : null;
  }
}

function toPrincipal(
  row: PrincipalRow,
  via: Pick<InternalPrincipal, 'sessionId' | 'apiKeyId' | 'clientName' | 'persistedOnly'>,
): InternalPrincipal {
  return {
    userId: row.user_id,
    username: row.username,
    role: row.role,
    customerCodes: row.customer_codes,
    tagIds: row.tag_ids,
    ...via,
  };
}
