import { badUserInput } from '@socgraph/shared';
import type { Point, ZoneShapeValue } from '../entities';

/** Zone geometry on normalised 0–1 frame coordinates. */

const MAX_POINTS = 100;

function point(value: unknown, field: string): Point {
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1)
  )
    throw badUserInput(`${field} must be an [x, y] pair within 0–1`, field);
  return [value[0] as number, value[1] as number];
}

/**
 * Checks and normalises a zone's coordinates: a rectangle is two corners ([[x1, y1], [x2, y2]]
 * or {x1, y1, x2, y2}) stored as [min, max]; a polygon is 3 to 100 points.
 */
export function zoneCoordinates(value: unknown, shape: ZoneShapeValue, field: string): Point[] {
  let points: Point[];
  if (shape === 'rectangle' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    points = [point([o.x1, o.y1], field), point([o.x2, o.y2], field)];
  } else {
    if (!Array.isArray(value)) throw badUserInput(`${field} must be a list of [x, y] points`, field);
    if (value.length > MAX_POINTS) throw badUserInput(`${field} may hold at most ${MAX_POINTS} points`, field);
    points = value.map((p, i) => point(p, `${field}.${i}`));
  }
  if (shape === 'rectangle') {
    if (points.length !== 2) throw badUserInput(`${field}: a rectangle has two corners`, field);
    const [[ax, ay], [bx, by]] = points as [Point, Point];
    if (ax === bx || ay === by) throw badUserInput(`${field}: the rectangle is empty`, field);
    return [
      [Math.min(ax, bx), Math.min(ay, by)],
      [Math.max(ax, bx), Math.max(ay, by)],
    ];
  }
  if (points.length < 3) throw badUserInput(`${field}: a polygon has at least three points`, field);
  return points;
}

/** Ray casting; points on an edge may fall either way. */
export function pointInPolygon([x, y]: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A detection is in a zone when its box's centre is (the box may cross the zone's edge). */
export function boxInZone(box: Box, zone: { shape: ZoneShapeValue; coordinates: readonly Point[] }): boolean {
  const centre: Point = [box.x + box.width / 2, box.y + box.height / 2];
  if (zone.shape === 'rectangle') {
    const [[x1, y1], [x2, y2]] = zone.coordinates as [Point, Point];
    return centre[0] >= x1 && centre[0] <= x2 && centre[1] >= y1 && centre[1] <= y2;
  }
  return pointInPolygon(centre, zone.coordinates);
}
