import {
  badUserInput,
  conflict,
  forbidden,
  intIds,
  isUniqueViolation,
  parseIntId,
  requireAdmin,
  requireAuthenticated,
  requireService,
  ScopedService,
  tagVisibility,
  text,
  type TagAccessSettings,
} from '@socgraph/shared';
import type { EntityManager } from 'typeorm';
import type { IncidentsContext } from '../context';
import {
  TagAccessSettingsEntity,
  TagEntity,
  type TagAccessSettingsRow,
  type TagRow,
  type UntaggedAlertBehaviorValue,
} from '../entities';

export interface TagAccessSettingsInput {
  enabled: boolean;
  untaggedAlertBehavior: UntaggedAlertBehaviorValue;
  defaultTagId?: string | null;
}

/** What `tagAccessSettings` shows when no row exists yet: tag RBAC off. */
const DEFAULT_SETTINGS: Omit<TagAccessSettingsRow, 'id'> = {
  enabled: false,
  untaggedAlertBehavior: 'VISIBLE_TO_ALL',
  defaultTagId: null,
  updatedAt: new Date(0),
  updatedBy: null,
};

export class TagService extends ScopedService<IncidentsContext> {
  /** The tag catalogue is readable by every signed-in caller (names carry no customer data). */
  async list(): Promise<TagRow[]> {
    requireAuthenticated(this.principal);
    return this.scope.deps.dataSource.getRepository(TagEntity).find({ order: { name: 'ASC' } });
  }

  async byId(id: string): Promise<TagRow | null> {
    if (this.principal.kind === 'anonymous') return null;
    const n = parseIntId(id);
    return n === null ? null : this.scope.loaders.tagById.load(n);
  }

  async create(name: string): Promise<TagRow> {
    requireAdmin(this.principal);
    const tag = text(name, 'name', { max: 50 });
    const repo = this.scope.deps.dataSource.getRepository(TagEntity);
    try {
      if (await repo.createQueryBuilder('t').where('lower(t.tag) = lower(:tag)', { tag }).getExists()) {
        throw conflict(`Tag ${tag} exists`);
      }
      return await repo.save({ name: tag });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Tag ${tag} exists`);
      throw error;
    }
  }

  /** Tags must exist before they are attached. */
  async requireExisting(manager: EntityManager, ids: number[], field: string): Promise<void> {
    if (!ids.length) return;
    const found = await manager
      .getRepository(TagEntity)
      .createQueryBuilder('t')
      .where('t.id = ANY(:ids)', { ids })
      .getCount();
    if (found !== ids.length) throw badUserInput(`Unknown tag id(s) in ${field}`, field);
  }

  /** Under tag RBAC an analyst attaches only tags it is allowed, so it cannot hide rows from itself or others. */
  requireAssignable(ids: number[]): void {
    const visibility = tagVisibility(this.principal);
    if (visibility.kind === 'all') return;
    const refused = ids.filter((id) => !visibility.tagIds.includes(String(id)));
    if (refused.length) throw forbidden(`Tag(s) ${refused.join(', ')} are outside your allowed tags`);
  }

  async settings(): Promise<TagAccessSettingsRow> {
    requireAdmin(this.principal);
    return this.currentSettings();
  }

  /** For the gateway, which signs the settings into every principal. */
  async settingsForGateway(): Promise<TagAccessSettings> {
    requireService(this.principal);
    const row = await this.currentSettings();
    return {
      enabled: row.enabled,
      untaggedAlertBehavior: row.untaggedAlertBehavior,
      defaultTagId: row.defaultTagId === null ? null : String(row.defaultTagId),
    };
  }

  async updateSettings(input: TagAccessSettingsInput): Promise<TagAccessSettingsRow> {
    requireAdmin(this.principal);
    const defaultTagId = input.defaultTagId ? intIds([input.defaultTagId], 'input.defaultTagId')[0]! : null;
    if (input.untaggedAlertBehavior === 'DEFAULT_TAG' && defaultTagId === null) {
      throw badUserInput('DEFAULT_TAG needs defaultTagId', 'input.defaultTagId');
    }
    const { dataSource } = this.scope.deps;
    return dataSource.transaction(async (tx) => {
      if (defaultTagId !== null) await this.requireExisting(tx, [defaultTagId], 'input.defaultTagId');
      const values = {
        enabled: input.enabled,
        untaggedAlertBehavior: input.untaggedAlertBehavior,
        defaultTagId,
        updatedAt: new Date(),
        updatedBy: this.principal.username,
      };
      // One global row: insert it the first time, update it after (the singleton column is unique).
      await tx.query(
        `INSERT INTO incidents.incident_management_tag_access_settings
           (enabled, untagged_alert_behavior, default_tag_id, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (singleton) DO UPDATE SET enabled = EXCLUDED.enabled,
           untagged_alert_behavior = EXCLUDED.untagged_alert_behavior, default_tag_id = EXCLUDED.default_tag_id,
           updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
        [values.enabled, values.untaggedAlertBehavior, values.defaultTagId, values.updatedAt, values.updatedBy],
      );
      return tx.getRepository(TagAccessSettingsEntity).findOneOrFail({ where: {} });
    });
  }

  private async currentSettings(): Promise<TagAccessSettingsRow> {
    const row = await this.scope.deps.dataSource.getRepository(TagAccessSettingsEntity).findOne({ where: {} });
    return row ?? { id: 0, ...DEFAULT_SETTINGS };
  }
}
