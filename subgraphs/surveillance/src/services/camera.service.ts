import {
  and,
  badUserInput,
  canSeeCustomer,
  ConditionBuilder,
  conflict,
  forbidden,
  intIds,
  isUniqueViolation,
  optionalText,
  orNotFound,
  paginate,
  runNamed,
  ScopedService,
  tagVisibility,
  text,
  type Connection,
  type ConnectionArgs,
  type FilterLink,
  type SqlCondition,
} from '@socgraph/shared';
import type { SurveillanceContext } from '../context';
import {
  CameraEntity,
  CameraZoneEntity,
  type CameraRow,
  type CameraStatusValue,
  type CameraZoneRow,
  type ZoneShapeValue,
  type ZoneTypeValue,
} from '../entities';
import { zoneCoordinates } from './geometry';
import { CODE_RULE, HEX_COLOUR, ID_RULE, intIn, lowerSnake, oneOf } from './inputs';
import { T, cameraVisibility, requireWriter } from './visibility';

export interface CameraFilter {
  status?: CameraStatusValue[] | null;
  customerCode?: string | null;
  tagIds?: string[] | null;
  deleted?: boolean | null;
}

export interface CreateCameraInput {
  name: string;
  folderPath: string;
  customerCode: string;
  location?: string | null;
  tagIds?: string[] | null;
}

export interface CreateCameraZoneInput {
  cameraId: string;
  id?: string | null;
  name: string;
  zoneType?: ZoneTypeValue | null;
  shape?: ZoneShapeValue | null;
  coordinates: unknown;
  color?: string | null;
  priority?: number | null;
  enabled?: boolean | null;
}

/** Fields of a camera that change; absent ones stay (the id, derived from the first name, never moves). */
export interface UpdateCameraInput {
  name?: string | null;
  folderPath?: string | null;
  location?: string | null;
  status?: CameraStatusValue | null;
}

/** Fields of a zone that change; absent ones stay. A new shape is checked against the coordinates it will have. */
export interface UpdateCameraZoneInput {
  name?: string | null;
  zoneType?: ZoneTypeValue | null;
  shape?: ZoneShapeValue | null;
  coordinates?: unknown;
  color?: string | null;
  priority?: number | null;
  enabled?: boolean | null;
}

const ZONE_TYPES: ZoneTypeValue[] = ['entry_point', 'driveway', 'sidewalk', 'yard', 'other'];
const CAMERA_STATUSES: CameraStatusValue[] = ['online', 'offline', 'error', 'unknown'];

const cameraOrder = [{ column: 'c.id', direction: 'ASC' as const, value: (c: CameraRow) => c.id }];

export class CameraService extends ScopedService<SurveillanceContext> {
  async list(args: ConnectionArgs, filter?: CameraFilter | null): Promise<Connection<CameraRow>> {
    if (filter?.deleted) requireWriter(this.principal);
    const condition = and(cameraVisibility(this.principal, 'c', filter?.deleted === true), filterCondition(filter));
    const query = this.dataSource
      .getRepository(CameraEntity)
      .createQueryBuilder('c')
      .where(condition.sql, condition.params);
    return paginate(query, args, cameraOrder);
  }

  /** null when absent, deleted or invisible, exactly like a missing row. */
  byId(id: string): Promise<CameraRow | null> {
    if (typeof id !== 'string' || id.length > 100) return Promise.resolve(null);
    return this.scope.loaders.cameraById.load(id);
  }

  /** For mutations naming a camera in their input: an unknown or invisible camera is that field's error. */
  async requireForInput(id: string, field: string): Promise<CameraRow> {
    const camera = await this.byId(id);
    if (!camera) throw badUserInput(`Unknown camera ${String(id).slice(0, 100)}`, field);
    return camera;
  }

  async create(input: CreateCameraInput): Promise<CameraRow> {
    requireWriter(this.principal);
    const name = text(input.name, 'input.name', { max: 255 });
    const id = lowerSnake(name);
    if (!id) throw badUserInput('input.name must contain letters or digits', 'input.name');
    const folderPath = text(input.folderPath, 'input.folderPath', { max: 500 });
    const customerCode = text(input.customerCode, 'input.customerCode', CODE_RULE);
    const location = optionalText(input.location, 'input.location', { max: 255 });
    const tagIds = intIds(input.tagIds ?? [], 'input.tagIds', 50);
    if (!canSeeCustomer(this.principal, customerCode))
      throw forbidden(`Customer ${customerCode} is outside your scope`);
    this.requireAssignableTags(tagIds);
    try {
      await this.dataSource.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO ${T.camera} (id, name, folder_path, customer_code, location) VALUES ($1, $2, $3, $4, $5)`,
          [id, name, folderPath, customerCode, location],
        );
        if (tagIds.length)
          await tx.query(`INSERT INTO ${T.cameraTag} (camera_id, tag_id) SELECT $1, unnest($2::int[])`, [id, tagIds]);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw badUserInput('A camera with this name, id or folder exists', 'input.name');
      throw error;
    }
    return this.dataSource.getRepository(CameraEntity).findOneByOrFail({ id });
  }

  async setTags(cameraId: string, tagIdsInput: string[]): Promise<CameraRow> {
    requireWriter(this.principal);
    const camera = orNotFound(await this.byId(cameraId), 'Camera', cameraId);
    const tagIds = intIds(tagIdsInput, 'tagIds', 50);
    this.requireAssignableTags(tagIds);
    await this.dataSource.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${T.cameraTag} WHERE camera_id = $1 AND NOT (tag_id = ANY($2::int[]))`, [
        camera.id,
        tagIds,
      ]);
      await tx.query(
        `INSERT INTO ${T.cameraTag} (camera_id, tag_id) SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING`,
        [camera.id, tagIds],
      );
    });
    this.scope.loaders.tagsByCamera.clear(camera.id);
    return camera;
  }

  async softDelete(id: string): Promise<CameraRow> {
    requireWriter(this.principal);
    const camera = orNotFound(await this.byId(id), 'Camera', id);
    await this.dataSource.query(`UPDATE ${T.camera} SET deleted_at = now() WHERE id = $1`, [camera.id]);
    this.scope.loaders.cameraById.clear(camera.id);
    return this.dataSource.getRepository(CameraEntity).findOneByOrFail({ id: camera.id });
  }

  async restore(id: string): Promise<CameraRow> {
    requireWriter(this.principal);
    const visible = cameraVisibility(this.principal, 'c', true);
    const [row] = await runNamed<{ id: string }>(
      this.dataSource,
      `WITH changed AS (UPDATE ${T.camera} c SET deleted_at = NULL WHERE c.id = :id AND ${visible.sql} RETURNING c.id) SELECT id FROM changed`,
      { ...visible.params, id: String(id).slice(0, 100) },
    );
    if (!row) throw orNotFound(null, 'Camera', id);
    this.scope.loaders.cameraById.clear(row.id);
    return this.dataSource.getRepository(CameraEntity).findOneByOrFail({ id: row.id });
  }

  async createZone(input: CreateCameraZoneInput): Promise<CameraZoneRow> {
    requireWriter(this.principal);
    const name = text(input.name, 'input.name', { max: 255 });
    const shape = input.shape ?? 'rectangle';
    const coordinates = zoneCoordinates(input.coordinates, shape, 'input.coordinates');
    const color = input.color ?? '#3B82F6';
    if (!HEX_COLOUR.test(color)) throw badUserInput('input.color must be a hex colour #RRGGBB', 'input.color');
    const priority = intIn(input.priority ?? 0, 'input.priority', 0, 1_000_000);
    const zoneType = oneOf(input.zoneType ?? 'other', 'input.zoneType', ZONE_TYPES);
    const camera = await this.requireForInput(input.cameraId, 'input.cameraId');
    const id = input.id
      ? text(input.id, 'input.id', ID_RULE)
      : `${camera.id}_${lowerSnake(name) || 'zone'}`.slice(0, 100);
    try {
      await this.dataSource.query(
        `INSERT INTO ${T.zone} (id, camera_id, name, zone_type, shape, coordinates, color, priority, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, camera.id, name, zoneType, shape, JSON.stringify(coordinates), color, priority, input.enabled ?? true],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw badUserInput(`A zone with id ${id} exists`, 'input.id');
      throw error;
    }
    this.scope.loaders.zonesByCamera.clear(camera.id);
    return this.dataSource.getRepository(CameraZoneEntity).findOneByOrFail({ id });
  }

  /** Renames, moves or re-states a visible camera; a name or folder another camera has is BAD_USER_INPUT. */
  async update(id: string, input: UpdateCameraInput): Promise<CameraRow> {
    requireWriter(this.principal);
    const camera = orNotFound(await this.byId(id), 'Camera', id);
    const changes: Record<string, unknown> = {};
    if (input.name != null) changes.name = text(input.name, 'input.name', { max: 255 });
    if (input.folderPath != null) changes.folder_path = text(input.folderPath, 'input.folderPath', { max: 500 });
    if (input.location !== undefined) changes.location = optionalText(input.location, 'input.location', { max: 255 });
    if (input.status != null) changes.status = oneOf(input.status, 'input.status', CAMERA_STATUSES);
    const columns = Object.keys(changes);
    if (columns.length) {
      try {
        await this.dataSource.query(
          `UPDATE ${T.camera} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`,
          [camera.id, ...Object.values(changes)],
        );
      } catch (error) {
        if (isUniqueViolation(error)) {
          const field =
            columns.includes('folder_path') && !columns.includes('name') ? 'input.folderPath' : 'input.name';
          throw badUserInput('Another camera has this name or folder', field);
        }
        throw error;
      }
      this.scope.loaders.cameraById.clear(camera.id);
    }
    return this.dataSource.getRepository(CameraEntity).findOneByOrFail({ id: camera.id });
  }

  /** A zone of a camera the caller can see, else null (as if it did not exist). */
  private async visibleZone(id: string): Promise<CameraZoneRow | null> {
    if (typeof id !== 'string' || id.length > 100) return null;
    const zone = await this.dataSource.getRepository(CameraZoneEntity).findOneBy({ id });
    return zone && (await this.byId(zone.cameraId)) ? zone : null;
  }

  async updateZone(id: string, input: UpdateCameraZoneInput): Promise<CameraZoneRow> {
    requireWriter(this.principal);
    const zone = orNotFound(await this.visibleZone(id), 'CameraZone', id);
    const changes: Record<string, unknown> = {};
    if (input.name != null) changes.name = text(input.name, 'input.name', { max: 255 });
    if (input.zoneType != null) changes.zone_type = oneOf(input.zoneType, 'input.zoneType', ZONE_TYPES);
    if (input.shape != null || input.coordinates != null) {
      const shape = input.shape ?? zone.shape;
      const field = input.coordinates != null ? 'input.coordinates' : 'input.shape';
      changes.shape = shape;
      changes.coordinates = JSON.stringify(zoneCoordinates(input.coordinates ?? zone.coordinates, shape, field));
    }
    if (input.color != null) {
      if (!HEX_COLOUR.test(input.color)) throw badUserInput('input.color must be a hex colour #RRGGBB', 'input.color');
      changes.color = input.color;
    }
    if (input.priority != null) changes.priority = intIn(input.priority, 'input.priority', 0, 1_000_000);
    if (input.enabled != null) changes.enabled = input.enabled;
    const columns = Object.keys(changes);
    if (columns.length) {
      await this.dataSource.query(
        `UPDATE ${T.zone} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
        [zone.id, ...Object.values(changes)],
      );
      this.scope.loaders.zonesByCamera.clear(zone.cameraId);
    }
    return this.dataSource.getRepository(CameraZoneEntity).findOneByOrFail({ id: zone.id });
  }

  /**
   * Removes a zone. Alert rules name zones by id, so a zone a rule still names is CONFLICT
   * (naming the rules) rather than a rule silently watching nothing.
   */
  async deleteZone(id: string): Promise<CameraZoneRow> {
    requireWriter(this.principal);
    const zone = orNotFound(await this.visibleZone(id), 'CameraZone', id);
    const rules = (await this.dataSource.query(
      `SELECT id FROM ${T.rule} WHERE zone_ids IS NOT NULL AND zone_ids::jsonb ? $1 ORDER BY id LIMIT 10`,
      [zone.id],
    )) as { id: number | string }[];
    if (rules.length) {
      throw conflict(
        `Zone ${zone.id} is named by alert rule(s) ${rules.map((r) => r.id).join(', ')}: change those rules first`,
      );
    }
    await this.dataSource.query(`DELETE FROM ${T.zone} WHERE id = $1`, [zone.id]);
    this.scope.loaders.zonesByCamera.clear(zone.cameraId);
    return zone;
  }

  /** Analysts may only hand out tags they hold themselves (as on alerts). */
  private requireAssignableTags(ids: number[]): void {
    const visibility = tagVisibility(this.principal);
    if (visibility.kind === 'all') return;
    const refused = ids.filter((id) => !visibility.tagIds.includes(String(id)));
    if (refused.length) throw forbidden(`Tag(s) ${refused.join(', ')} are outside your allowed tags`);
  }
}

/** Cameras carrying a tag, as the filter's EXISTS on the link table. */
const CAMERA_TAGS: FilterLink = { table: T.cameraTag, rowColumn: 'camera_id', targetColumn: 'tag_id' };

function filterCondition(filter: CameraFilter | null | undefined): SqlCondition {
  return new ConditionBuilder('c')
    .anyOf('status', filter?.status)
    .equals('customer_code', filter?.customerCode, 'filter.customerCode', CODE_RULE)
    .linkedToAny(CAMERA_TAGS, filter?.tagIds ? intIds(filter.tagIds, 'filter.tagIds') : null)
    .build();
}
