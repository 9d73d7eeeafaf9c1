import { EntitySchema } from 'typeorm';

/** The one tag catalogue of the graph (alerts here, cameras in surveillance). */
export interface TagRow {
  id: number;
  name: string;
}

export const TagEntity = new EntitySchema<TagRow>({
  name: 'Tag',
  tableName: 'incident_management_alerttag',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { name: 'tag', type: 'varchar', length: 50 },
  },
});

export type UntaggedAlertBehaviorValue = 'VISIBLE_TO_ALL' | 'ADMIN_ONLY' | 'DEFAULT_TAG';

/** The global tag-RBAC switch: one row, or none (RBAC off). */
export interface TagAccessSettingsRow {
  id: number;
  enabled: boolean;
  untaggedAlertBehavior: UntaggedAlertBehaviorValue;
  defaultTagId: number | null;
  updatedAt: Date;
  updatedBy: string | null;
}

export const TagAccessSettingsEntity = new EntitySchema<TagAccessSettingsRow>({
  name: 'TagAccessSettings',
  tableName: 'incident_management_tag_access_settings',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    enabled: { type: 'boolean', default: false },
    untaggedAlertBehavior: { name: 'untagged_alert_behavior', type: 'varchar', length: 20, default: 'VISIBLE_TO_ALL' },
    defaultTagId: { name: 'default_tag_id', type: 'int', nullable: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz', default: () => 'now()' },
    updatedBy: { name: 'updated_by', type: 'varchar', length: 64, nullable: true },
  },
});
