import { badUserInput, text } from '@socgraph/shared';

/**
 * OpenSearch's naming rules for what a snapshot schedule names (its index pattern, its
 * repository, the snapshots it takes), checked before anything is stored so the indexer never
 * refuses a name we let through: lowercase, no whitespace or control characters, none of
 * `\ / * ? " < > | , # :` (`*` is a wildcard in patterns), not starting with `_`. The
 * migration's checks say the same; these say which field and why.
 */
const REFUSED = ['\\', '/', '*', '?', '"', '<', '>', '|', ',', '#', ':'] as const;

/** An unpaired UTF-16 surrogate: not text, and not storable as such. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function refuseCharacters(value: string, field: string, allowed: readonly string[] = []): void {
  if (LONE_SURROGATE.test(value)) throw badUserInput(`${field} is not valid text`, field);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\s\u0000-\u001f\u007f-\u009f]/u.test(value))
    throw badUserInput(`${field} must not contain whitespace or control characters`, field);
  for (const c of REFUSED)
    if (!allowed.includes(c) && value.includes(c)) throw badUserInput(`${field} must not contain "${c}"`, field);
  if (value !== value.toLowerCase()) throw badUserInput(`${field} must be lowercase`, field);
}

/** A schedule's name: starts with a letter or digit (it prefixed its snapshots' names before they took its id). */
export function scheduleName(value: string, field: string): string {
  const name = text(value, field, { max: 100 });
  refuseCharacters(name, field);
  if (!/^[\p{Ll}\p{Lo}0-9]/u.test(name)) throw badUserInput(`${field} must start with a letter or digit`, field);
  return name;
}

/**
 * What a snapshot takes: comma-separated index names or wildcard patterns (`wazuh-alerts-*`),
 * later items may exclude with a leading `-` (`wazuh-*,-wazuh-monitoring-*`).
 */
export function indexPattern(value: string, field: string): string {
  const pattern = text(value, field, { max: 1000 });
  for (const [i, raw] of pattern.split(',').entries()) {
    if (raw === '') throw badUserInput(`${field} has an empty item`, field);
    const item = i > 0 && raw.startsWith('-') ? raw.slice(1) : raw;
    refuseCharacters(item, field, ['*']);
    if (/^[-_+]/.test(item)) throw badUserInput(`${field}: an index name must not start with "-", "_" or "+"`, field);
    if (item === '.' || item === '..') throw badUserInput(`${field}: "${item}" is not an index name`, field);
    if (Buffer.byteLength(item) > 255) throw badUserInput(`${field}: an index name is at most 255 bytes`, field);
  }
  return pattern;
}

/** A registered snapshot repository's name. */
export function repositoryName(value: string, field: string): string {
  const name = text(value, field, { max: 255 });
  refuseCharacters(name, field);
  if (name.startsWith('_')) throw badUserInput(`${field} must not start with "_"`, field);
  return name;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const TIME = '\\d{4}\\.\\d{2}\\.\\d{2}-\\d{2}\\.\\d{2}\\.\\d{2}\\.\\d{3}';

/** `yyyy.mm.dd-hh.mm.ss.sss` (UTC). */
function stamp(d: Date): string {
  return (
    `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}` +
    `-${pad(d.getUTCHours())}.${pad(d.getUTCMinutes())}.${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/**
 * `yyyy.mm.dd-hh.mm.ss.sss-schedule-<id>` (UTC): what a run of schedule `scheduleId` at `at`
 * names its snapshot. The id, not the name, so a renamed schedule still owns its snapshots;
 * the time first, so no name the older `<name>-<time>` scheme made can ever look like one.
 */
export function snapshotNameFor(scheduleId: number, at: Date): string {
  return `${stamp(at)}-schedule-${scheduleId}`;
}

/** The listing pattern that finds every snapshot `snapshotNameFor(scheduleId, ...)` makes (and a few more to filter). */
export const snapshotPatternFor = (scheduleId: number): string => `*-schedule-${scheduleId}`;

/** Whether `snapshot` is one schedule `scheduleId` took (not another schedule's, nor a manual one). */
export function isSnapshotOf(scheduleId: number, snapshot: string): boolean {
  return new RegExp(`^${TIME}-schedule-${scheduleId}$`).test(snapshot);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `snapshot` is `<prefix>-<time>`: how schedules named their snapshots before the id scheme. */
export function isLegacySnapshotOf(prefix: string, snapshot: string): boolean {
  return new RegExp(`^${escapeRegExp(prefix)}-${TIME}$`).test(snapshot);
}
