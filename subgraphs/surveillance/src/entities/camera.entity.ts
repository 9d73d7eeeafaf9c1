import { EntitySchema } from 'typeorm';

export type CameraStatusValue = 'online' | 'offline' | 'error' | 'unknown';
export type ZoneTypeValue = 'entry_point' | 'driveway' | 'sidewalk' | 'yard' | 'other';
export type ZoneShapeValue = 'rectangle' | 'polygon';

export interface CameraRow {
  id: string;
  name: string;
  folderPath: string;
  location: string | null;
  status: CameraStatusValue;
  customerCode: string;
  createdAt: Date;
  lastSeenAt: Date | null;
  deletedAt: Date | null;
}

export const CameraEntity = new EntitySchema<CameraRow>({
  name: 'Camera',
  tableName: 'cameras',
  columns: {
    id: { type: 'varchar', length: 100, primary: true },
    name: { type: 'varchar', length: 255 },
    folderPath: { name: 'folder_path', type: 'varchar', length: 500 },
    location: { type: 'varchar', length: 255, nullable: true },
    status: { type: 'varchar', length: 20, default: 'online' },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' },
    lastSeenAt: { name: 'last_seen_at', type: 'timestamptz', precision: 3, nullable: true },
    deletedAt: { name: 'deleted_at', type: 'timestamptz', precision: 3, nullable: true },
  },
});

/** A point list [[x, y], ...] in normalised coordinates (rectangles are stored as two corners). */
export type Point = [number, number];

export interface CameraZoneRow {
  id: string;
  cameraId: string;
  name: string;
  zoneType: ZoneTypeValue;
  coordinates: Point[];
  shape: ZoneShapeValue;
  color: string;
  enabled: boolean;
  priority: number;
  createdAt: Date;
  updatedAt: Date;
}

export const CameraZoneEntity = new EntitySchema<CameraZoneRow>({
  name: 'CameraZone',
  tableName: 'camera_zones',
  columns: {
    id: { type: 'varchar', length: 100, primary: true },
    cameraId: { name: 'camera_id', type: 'varchar', length: 100 },
    name: { type: 'varchar', length: 255 },
    zoneType: { name: 'zone_type', type: 'varchar', default: 'other' },
    coordinates: { type: 'jsonb' },
    shape: { type: 'varchar', default: 'rectangle' },
    color: { type: 'varchar', length: 7, default: '#3B82F6' },
    enabled: { type: 'boolean', default: true },
    priority: { type: 'int', default: 0 },
    createdAt: { name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' },
    updatedAt: { name: 'updated_at', type: 'timestamptz', precision: 3, default: () => 'now()' },
  },
});
