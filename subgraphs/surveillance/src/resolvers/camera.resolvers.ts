import { badUserInput, type ConnectionArgs, type GraphQLResolverMap } from '@socgraph/shared';
import type { SurveillanceContext } from '../context';
import type { CameraRow, CameraZoneRow } from '../entities';
import type {
  CameraFilter,
  CreateCameraInput,
  CreateCameraZoneInput,
  UpdateCameraInput,
  UpdateCameraZoneInput,
} from '../services/camera.service';

type Ctx = SurveillanceContext;

const pageArgs = (args: ConnectionArgs): ConnectionArgs => ({ first: args.first ?? null, after: args.after ?? null });

function last(value: number | null | undefined): number {
  const n = value ?? 24;
  if (!Number.isInteger(n) || n < 0 || n > 100) throw badUserInput('last must be between 0 and 100', 'last');
  return n;
}

export const cameraResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    cameras: (_: unknown, args: ConnectionArgs & { filter?: CameraFilter | null }, ctx: Ctx) =>
      ctx.cameras.list(args, args.filter),
    camera: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.cameras.byId(args.id),
  },
  Mutation: {
    createCamera: (_: unknown, args: { input: CreateCameraInput }, ctx: Ctx) => ctx.cameras.create(args.input),
    setCameraTags: (_: unknown, args: { cameraId: string; tagIds: string[] }, ctx: Ctx) =>
      ctx.cameras.setTags(args.cameraId, args.tagIds),
    deleteCamera: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.cameras.softDelete(args.id),
    restoreCamera: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.cameras.restore(args.id),
    createCameraZone: (_: unknown, args: { input: CreateCameraZoneInput }, ctx: Ctx) =>
      ctx.cameras.createZone(args.input),
    updateCamera: (_: unknown, args: { id: string; input: UpdateCameraInput }, ctx: Ctx) =>
      ctx.cameras.update(args.id, args.input),
    updateCameraZone: (_: unknown, args: { id: string; input: UpdateCameraZoneInput }, ctx: Ctx) =>
      ctx.cameras.updateZone(args.id, args.input),
    deleteCameraZone: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.cameras.deleteZone(args.id),
  },
  Camera: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.cameras.byId(ref.id),
    customer: (camera: CameraRow) => ({ __typename: 'Customer', code: camera.customerCode }),
    tags: async (camera: CameraRow, _: unknown, ctx: Ctx) =>
      (await ctx.loaders.tagsByCamera.load(camera.id)).map((t) => ({ __typename: 'Tag', id: String(t.tag_id) })),
    zones: (camera: CameraRow, _: unknown, ctx: Ctx) => ctx.loaders.zonesByCamera.load(camera.id),
    events: (camera: CameraRow, args: ConnectionArgs, ctx: Ctx) =>
      ctx.loaders.eventsByCamera.load({ camera: camera.id, args: pageArgs(args) }),
    activityBaselines: (camera: CameraRow, _: unknown, ctx: Ctx) => ctx.loaders.activityByCamera.load(camera.id),
    classBaselines: (camera: CameraRow, _: unknown, ctx: Ctx) => ctx.loaders.classesByCamera.load(camera.id),
    weatherReadings: (camera: CameraRow, args: { last?: number | null }, ctx: Ctx) =>
      ctx.loaders.weatherByCamera.load({ camera: camera.id, last: last(args.last) }),
    airQualityReadings: (camera: CameraRow, args: { last?: number | null }, ctx: Ctx) =>
      ctx.loaders.airQualityByCamera.load({ camera: camera.id, last: last(args.last) }),
  },
  CameraZone: {
    camera: (zone: CameraZoneRow, _: unknown, ctx: Ctx) => ctx.loaders.cameraById.load(zone.cameraId),
  },
  CameraStatus: { ONLINE: 'online', OFFLINE: 'offline', ERROR: 'error', UNKNOWN: 'unknown' },
  ZoneType: {
    ENTRY_POINT: 'entry_point',
    DRIVEWAY: 'driveway',
    SIDEWALK: 'sidewalk',
    YARD: 'yard',
    OTHER: 'other',
  },
  ZoneShape: { RECTANGLE: 'rectangle', POLYGON: 'polygon' },
};
