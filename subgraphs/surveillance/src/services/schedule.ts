import { badUserInput } from '@socgraph/shared';

/**
 * An alert rule's schedule: `{ days: ["monday", ...], start_time: "HH:MM", end_time: "HH:MM",
 * timezone: "Europe/Berlin" }`, every key optional (no days: every day; no times: all day;
 * timezone default UTC). An end before the start spans midnight: the part after midnight
 * belongs to the day the window opened, so "friday 22:00–06:00" matches Saturday 05:00.
 */
export interface Schedule {
  /** 0 = Monday … 6 = Sunday, as the baselines count days. */
  days: number[] | null;
  /** Minutes after local midnight; both or neither. */
  start: number | null;
  end: number | null;
  timezone: string;
}

export const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const KEYS = new Set(['days', 'start_time', 'end_time', 'timezone']);
const TIME = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

function minutes(value: unknown, field: string): number {
  const match = typeof value === 'string' ? TIME.exec(value) : null;
  if (!match) throw badUserInput(`${field} must be a time HH:MM`, field);
  return Number(match[1]) * 60 + Number(match[2]);
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses and checks a schedule from input; `null` means always. */
export function parseSchedule(value: unknown, field: string): Schedule | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw badUserInput(`${field} must be an object`, field);
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
  if (unknown.length) throw badUserInput(`${field} has unknown keys: ${unknown.join(', ').slice(0, 100)}`, field);
  let days: number[] | null = null;
  if (o.days !== undefined && o.days !== null) {
    if (!Array.isArray(o.days) || o.days.length === 0 || o.days.length > 7)
      throw badUserInput(`${field}.days must list 1 to 7 days`, `${field}.days`);
    days = [
      ...new Set(
        o.days.map((d) => {
          const i = typeof d === 'string' ? DAY_NAMES.indexOf(d.toLowerCase() as (typeof DAY_NAMES)[number]) : -1;
          if (i < 0) throw badUserInput(`${field}.days must hold day names (monday … sunday)`, `${field}.days`);
          return i;
        }),
      ),
    ].sort();
  }
  const hasStart = o.start_time !== undefined && o.start_time !== null;
  const hasEnd = o.end_time !== undefined && o.end_time !== null;
  if (hasStart !== hasEnd) throw badUserInput(`${field} needs both start_time and end_time`, field);
  const start = hasStart ? minutes(o.start_time, `${field}.start_time`) : null;
  const end = hasEnd ? minutes(o.end_time, `${field}.end_time`) : null;
  if (start !== null && start === end) throw badUserInput(`${field}: start_time equals end_time`, field);
  const timezone = o.timezone === undefined || o.timezone === null ? 'UTC' : o.timezone;
  if (typeof timezone !== 'string' || timezone.length > 64 || !isTimeZone(timezone))
    throw badUserInput(`${field}.timezone is not a known time zone`, `${field}.timezone`);
  return { days, start, end, timezone };
}

/** The stored JSON form (the seed's keys). */
export function scheduleJson(s: Schedule | null): Record<string, unknown> | null {
  if (!s) return null;
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return {
    ...(s.days ? { days: s.days.map((d) => DAY_NAMES[d]) } : {}),
    ...(s.start !== null && s.end !== null ? { start_time: hhmm(s.start), end_time: hhmm(s.end) } : {}),
    timezone: s.timezone,
  };
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Local weekday (0 = Monday) and minute of day of `at` in `timezone`. */
export function localTime(at: Date, timezone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: WEEKDAYS[get('weekday')] ?? 0, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

export function scheduleMatches(schedule: Schedule | null, at: Date): boolean {
  if (!schedule) return true;
  const { day, minute } = localTime(at, schedule.timezone);
  const dayOk = (d: number) => schedule.days === null || schedule.days.includes(d);
  if (schedule.start === null || schedule.end === null) return dayOk(day);
  if (schedule.start < schedule.end) return dayOk(day) && minute >= schedule.start && minute < schedule.end;
  // Across midnight: the evening part on its own day, the early part on the day before's window.
  if (minute >= schedule.start) return dayOk(day);
  if (minute < schedule.end) return dayOk((day + 6) % 7);
  return false;
}
