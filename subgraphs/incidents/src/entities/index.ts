export * from './alert-detail.entity';
export * from './alert.entity';
export * from './case.entity';
export * from '../platform-config/entities';
export * from './tag.entity';

import {
  AlertCommentEntity,
  AlertContextEntity,
  AssetEntity,
  CaseCommentEntity,
  IocEntity,
} from './alert-detail.entity';
import { AlertEntity } from './alert.entity';
import { CaseEntity, CaseFileEntity } from './case.entity';
import { configEntities } from '../platform-config/entities';
import { TagAccessSettingsEntity, TagEntity } from './tag.entity';

export const incidentsEntities = [
  TagEntity,
  TagAccessSettingsEntity,
  AlertEntity,
  IocEntity,
  AlertContextEntity,
  AssetEntity,
  AlertCommentEntity,
  CaseCommentEntity,
  CaseEntity,
  CaseFileEntity,
  ...configEntities,
];
