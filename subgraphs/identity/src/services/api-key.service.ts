import { createHash, randomBytes } from 'node:crypto';
import {
  badUserInput,
  conflict,
  isAdmin,
  notFound,
  parseIntId,
  requireAdmin,
  requireAuthenticated,
  Roles,
  ScopedService,
  text,
} from '@socgraph/shared';
import { IsNull, MoreThan } from 'typeorm';
import type { RequestScope } from '../context';
import { ApiKeyEntity, type ApiKeyRow } from '../entities';

export interface CreateApiKeyInput {
  clientName: string;
  persistedOnly?: boolean | null;
  userId?: string | null;
  expiresAt?: Date | null;
}

/**
 * Secrets carry 256 random bits, so a plain SHA-256 is the right hash: a slow KDF adds
 * nothing against brute force here and would slow down every partner request.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const PREFIX_LENGTH = 12;
const DAY_MS = 86_400_000;

/**
 * The roles that may hold API keys (createApiKey's rule in mutation-access.ts, and what the
 * gateway's key lookup accepts). The auditor writes nothing and reads with its session only: a
 * key would outlive the session, so an auditor's key made before this rule no longer works.
 */
export const KEY_HOLDER_ROLES = [Roles.ADMIN, Roles.ANALYST, Roles.CUSTOMER_USER] as const;

export const mayHoldApiKey = (role: string): boolean => (KEY_HOLDER_ROLES as readonly string[]).includes(role);

export class ApiKeyService extends ScopedService<RequestScope> {
  /** Any signed-in user may create a key for itself; admins for anyone. */
  async create(input: CreateApiKeyInput): Promise<{ secret: string; apiKey: ApiKeyRow }> {
    requireAuthenticated(this.principal);
    const clientName = text(input.clientName, 'input.clientName', { max: 100 });
    let ownerId = parseIntId(this.principal.userId ?? '');
    if (input.userId && input.userId !== this.principal.userId) {
      requireAdmin(this.principal);
      ownerId = parseIntId(input.userId);
      const owner = ownerId === null ? null : await this.scope.loaders.userById.load(ownerId);
      if (!owner) throw notFound('User', input.userId);
    }
    if (ownerId === null) throw notFound('User', this.principal.userId ?? '');
    const expiresAt = this.expiryOf(input.expiresAt);
    await this.requireRoomForKey(ownerId);

    const secret = `sgk_${randomBytes(32).toString('base64url')}`;
    const apiKey = await this.scope.deps.dataSource.getRepository(ApiKeyEntity).save({
      userId: ownerId,
      clientName,
      keyPrefix: secret.slice(0, PREFIX_LENGTH),
      secretHash: hashApiKeySecret(secret),
      persistedOnly: input.persistedOnly ?? true,
      expiresAt,
    });
    const { secretHash: _hash, ...publicKey } = apiKey;
    return { secret, apiKey: publicKey as ApiKeyRow };
  }

  /**
   * Every key expires, so a leaked key that nobody revokes stops working by itself: the
   * requested expiry must lie ahead and within API_KEY_MAX_TTL_DAYS.
   */
  private expiryOf(requested: Date | null | undefined): Date {
    const { API_KEY_DEFAULT_TTL_DAYS, API_KEY_MAX_TTL_DAYS } = this.scope.deps.config;
    const now = Date.now();
    const latest = now + API_KEY_MAX_TTL_DAYS * DAY_MS;
    if (!requested) return new Date(Math.min(now + API_KEY_DEFAULT_TTL_DAYS * DAY_MS, latest));
    if (requested.getTime() <= now) throw badUserInput('expiresAt must be in the future', 'input.expiresAt');
    if (requested.getTime() > latest) {
      throw badUserInput(`expiresAt may be at most ${API_KEY_MAX_TTL_DAYS} days from now`, 'input.expiresAt');
    }
    return requested;
  }

  /**
   * Each key has its own rate-limit bucket, so keys are capped per owner (API_KEYS_PER_USER
   * active ones). The owner's row is locked for the rest of the mutation's transaction, so
   * concurrent creates for one owner are counted one after another.
   */
  private async requireRoomForKey(ownerId: number): Promise<void> {
    const max = this.scope.deps.config.API_KEYS_PER_USER;
    const dataSource = this.scope.deps.dataSource;
    await dataSource.query(`SELECT id FROM identity.users WHERE id = $1 FOR UPDATE`, [ownerId]);
    const active = await dataSource
      .getRepository(ApiKeyEntity)
      .countBy({ userId: ownerId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) });
    if (active >= max) {
      throw conflict(`At most ${max} active API keys per user: revoke one (revokeApiKey) before creating another`);
    }
  }

  /** The owner or an admin; anyone else gets NOT_FOUND, as if the key did not exist. */
  async revoke(id: string): Promise<ApiKeyRow> {
    requireAuthenticated(this.principal);
    const repo = this.scope.deps.dataSource.getRepository(ApiKeyEntity);
    const key = /^[0-9a-f-]{36}$/i.test(id) ? await repo.findOneBy({ id }) : null;
    if (!key || !(isAdmin(this.principal) || String(key.userId) === this.principal.userId))
      throw notFound('ApiKey', id);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      key.revokedBy = this.principal.username;
      await repo.update({ id }, { revokedAt: key.revokedAt, revokedBy: key.revokedBy });
    }
    return key;
  }
}
