import {
  badUserInput,
  conflict,
  escapeLike,
  forbidden,
  intIds,
  isAdmin,
  isUniqueViolation,
  notFound,
  paginate,
  parseIntId,
  requireAdmin,
  requireService,
  ScopedService,
  text,
  type Connection,
  type ConnectionArgs,
} from '@socgraph/shared';
import type { EntityManager } from 'typeorm';
import type { RequestScope } from '../context';
import {
  CustomerEntity,
  RoleEntity,
  UserCustomerAccessEntity,
  UserEntity,
  UserTagAccessEntity,
  type UserRow,
} from '../entities';
import type { LockoutState } from './lockout';
import { hashPassword } from './password';
import { canSeeUser, requireSelfOrAdmin } from './visibility';

export interface UserFilter {
  role?: string | null;
  search?: string | null;
  customerCode?: string | null;
}

export interface CreateUserInput {
  username: string;
  email: string;
  password: string;
  role: string;
  customerCodes?: string[] | null;
  tagIds?: string[] | null;
}

export const USERNAME_RULE = {
  min: 3,
  max: 64,
  pattern: /^[A-Za-z0-9._@-]+$/,
  patternHint: 'may hold letters, digits, . _ @ and - only',
};
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 256;

export class UserService extends ScopedService<RequestScope> {
  private visible(user: UserRow | null): UserRow | null {
    return user && canSeeUser(this.principal, user) ? user : null;
  }

  /** Access lists, credit and keys are for the user itself and admins (the service too). */
  requirePrivateAccess(userId: number, what: string): void {
    requireSelfOrAdmin(this.principal, userId, what);
  }

  /** An account's lock: admins only, not even the user itself (it tells who is being guessed at). */
  lockoutOf(user: UserRow): LockoutState {
    if (!isAdmin(this.principal)) throw forbidden('Only an admin may read the lockout state');
    return this.scope.lockout.stateOf(user);
  }

  /** Lifts a lock and clears the failure count. Admins only; an unlocked account is left as it is. */
  async unlock(userId: string): Promise<UserRow> {
    requireAdmin(this.principal);
    const id = parseIntId(userId);
    if (id === null) throw badUserInput('id is not a user id', 'id');
    const result = await this.scope.deps.dataSource
      .getRepository(UserEntity)
      .update({ id }, { failedLoginCount: 0, lockedUntil: null });
    if (!result.affected) throw notFound('User', userId);
    const user = await this.scope.loaders.userById.clear(id).load(id);
    if (!user) throw notFound('User', userId);
    return user;
  }

  async me(): Promise<UserRow | null> {
    const id = this.principal.userId ? parseIntId(this.principal.userId) : null;
    return id === null ? null : this.scope.loaders.userById.load(id);
  }

  async byId(id: string | number): Promise<UserRow | null> {
    const n = parseIntId(id);
    return n === null ? null : this.visible(await this.scope.loaders.userById.load(n));
  }

  async byUsername(username: string): Promise<UserRow | null> {
    return this.visible(await this.scope.loaders.userByUsername.load(username.toLowerCase()));
  }

  /** Internal (other subgraphs check a username they store): the service principal only. */
  async exists(username: string): Promise<boolean> {
    requireService(this.principal);
    if (username.length > USERNAME_RULE.max) return false;
    return (await this.scope.loaders.userByUsername.load(username.toLowerCase())) !== null;
  }

  async list(args: ConnectionArgs, filter: UserFilter | null | undefined): Promise<Connection<UserRow>> {
    requireAdmin(this.principal);
    const query = this.scope.deps.dataSource.getRepository(UserEntity).createQueryBuilder('u');
    if (filter?.role) {
      query.andWhere('u.role_id IN (SELECT id FROM identity.roles WHERE name = :roleName)', { roleName: filter.role });
    }
    if (filter?.search) {
      const search = text(filter.search, 'filter.search', { max: 100 });
      query.andWhere(`(u.username ILIKE :search OR u.email ILIKE :search)`, { search: `%${escapeLike(search)}%` });
    }
    if (filter?.customerCode) {
      query.andWhere(
        'EXISTS (SELECT 1 FROM identity.user_customer_access a WHERE a.user_id = u.id AND a.customer_code = :filterCustomer)',
        { filterCustomer: filter.customerCode },
      );
    }
    return paginate(query, args, [{ column: 'u.id', direction: 'ASC', value: (u) => u.id }]);
  }

  async create(input: CreateUserInput): Promise<UserRow> {
    requireAdmin(this.principal);
    const username = text(input.username, 'input.username', USERNAME_RULE);
    const email = text(input.email, 'input.email', { max: 255 });
    if (input.password.length < PASSWORD_MIN || input.password.length > PASSWORD_MAX) {
      throw badUserInput(`password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`, 'input.password');
    }
    const tagIds = intIds(input.tagIds ?? [], 'input.tagIds');
    const customerCodes = [...new Set(input.customerCodes ?? [])];
    const { dataSource, config } = this.scope.deps;

    const role = await dataSource.getRepository(RoleEntity).findOneBy({ name: input.role });
    if (!role) throw badUserInput(`Unknown role ${input.role}`, 'input.role');
    await this.requireCustomersExist(dataSource.manager, customerCodes, 'input.customerCodes');
    if (await this.usernameTaken(username)) throw conflict(`Username ${username} is taken`);

    // Hash before the transaction: the KDF is slow and must not hold a connection.
    const passwordHash = await hashPassword(input.password, config.PASSWORD_SCRYPT_COST);
    try {
      return await dataSource.transaction(async (tx) => {
        const user = await tx.getRepository(UserEntity).save({ username, email, passwordHash, roleId: role.id });
        await this.writeCustomerAccess(tx, user.id, customerCodes);
        await this.writeTagAccess(tx, user.id, tagIds);
        return (await tx.getRepository(UserEntity).findOneByOrFail({ id: user.id })) as UserRow;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Username ${username} is taken`);
      throw error;
    }
  }

  async setTagAccess(userId: string, tagIdsInput: string[]): Promise<UserRow> {
    requireAdmin(this.principal);
    const tagIds = intIds(tagIdsInput, 'tagIds');
    const user = await this.requireUser(userId);
    await this.scope.deps.dataSource.transaction((tx) => this.writeTagAccess(tx, user.id, tagIds, true));
    this.scope.loaders.tagIdsByUserId.clear(user.id);
    return user;
  }

  async setCustomerAccess(userId: string, codes: string[]): Promise<UserRow> {
    requireAdmin(this.principal);
    const customerCodes = [...new Set(codes)];
    const user = await this.requireUser(userId);
    const { dataSource } = this.scope.deps;
    await this.requireCustomersExist(dataSource.manager, customerCodes, 'customerCodes');
    await dataSource.transaction((tx) => this.writeCustomerAccess(tx, user.id, customerCodes, true));
    this.scope.loaders.customersByUserId.clear(user.id);
    return user;
  }

  private async requireUser(userId: string): Promise<UserRow> {
    const id = parseIntId(userId);
    const user = id === null ? null : await this.scope.loaders.userById.load(id);
    if (!user) throw notFound('User', userId);
    return user;
  }

  private async usernameTaken(username: string): Promise<boolean> {
    return this.scope.deps.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:username)', { username })
      .getExists();
  }

  private async requireCustomersExist(manager: EntityManager, codes: string[], field: string): Promise<void> {
    if (codes.length === 0) return;
    const found = await manager
      .getRepository(CustomerEntity)
      .createQueryBuilder('c')
      .where('c.customer_code = ANY(:codes)', { codes })
      .getMany();
    const missing = codes.filter((code) => !found.some((c) => c.code === code));
    if (missing.length) throw badUserInput(`Unknown customer code(s): ${missing.slice(0, 10).join(', ')}`, field);
  }

  private async writeCustomerAccess(
    tx: EntityManager,
    userId: number,
    codes: string[],
    replace = false,
  ): Promise<void> {
    const repo = tx.getRepository(UserCustomerAccessEntity);
    if (replace) await repo.delete({ userId });
    if (codes.length) await repo.insert(codes.map((customerCode) => ({ userId, customerCode })));
  }

  private async writeTagAccess(tx: EntityManager, userId: number, tagIds: number[], replace = false): Promise<void> {
    const repo = tx.getRepository(UserTagAccessEntity);
    if (replace) await repo.delete({ userId });
    if (tagIds.length) await repo.insert(tagIds.map((tagId) => ({ userId, tagId })));
  }
}
