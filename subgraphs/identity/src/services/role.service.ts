import { intIds, notFound, requireAdmin, requireAuthenticated, ScopedService } from '@socgraph/shared';
import type { RequestScope } from '../context';
import { RoleEntity, RoleTagAccessEntity, type RoleRow } from '../entities';

export class RoleService extends ScopedService<RequestScope> {
  async list(): Promise<RoleRow[]> {
    requireAuthenticated(this.scope.principal);
    return this.scope.deps.dataSource.getRepository(RoleEntity).find({ order: { id: 'ASC' } });
  }

  /** Replaces the tags every holder of the role may see. */
  async setTagAccess(roleName: string, tagIdsInput: string[]): Promise<RoleRow> {
    requireAdmin(this.scope.principal);
    const tagIds = intIds(tagIdsInput, 'tagIds');
    const { dataSource } = this.scope.deps;
    const role = await dataSource.getRepository(RoleEntity).findOneBy({ name: roleName });
    if (!role) throw notFound('Role', roleName);
    await dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(RoleTagAccessEntity);
      await repo.delete({ roleId: role.id });
      if (tagIds.length) await repo.insert(tagIds.map((tagId) => ({ roleId: role.id, tagId })));
    });
    this.scope.loaders.tagIdsByRoleId.clear(role.id);
    return role;
  }
}
