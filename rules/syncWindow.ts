/**
 * How long an Argo CD sync window may last. A window opens at each start of its cron schedule and
 * stays open for its duration; once the duration reaches the longest time between two starts, the
 * windows overlap and it never closes: an allow window that is always open allows nothing to be
 * withheld, a deny window that never closes is a standing freeze (say that with syncMode: manual).
 * And nothing is planned in windows longer than a month: 31 days fit a December freeze. Pure.
 */

/** The longest sync window anyone means: a month's freeze (31 days), in minutes. */
export const SYNC_WINDOW_MAX_MINUTES = 31 * 24 * 60;

/** Argo CD's window durations as the schema accepts them: 8h, 30m, 1h30m. */
const WINDOW_DURATION = /^(?:([0-9]+)h)?(?:([0-9]+)m)?$/;

/** Minutes in a window duration (8h, 30m, 1h30m), or undefined if it is not one. */
export function windowMinutes(text: unknown): number | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  const match = WINDOW_DURATION.exec(text);
  if (!match) return undefined;
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

/** 72h, 1h30m, 45m: how the bound is shown, in the syntax the key accepts. */
export function formatWindowMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h > 0) return m > 0 ? `${h}h${m}m` : `${h}h`;
  return `${m}m`;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
  values: Set<number>;
  /** `*` or `?`: cron treats a starred day field as "any" in how it combines the two day fields. */
  star: boolean;
}

/** One cron field (lists, ranges, steps, names), as Argo CD's cron library reads it. */
function parseField(
  text: string,
  min: number,
  max: number,
  names: readonly string[] = [],
  nameBase = 0,
): Field | undefined {
  const values = new Set<number>();
  const value = (part: string): number | undefined => {
    const named = names.indexOf(part.toUpperCase());
    if (named >= 0) return named + nameBase;
    return /^[0-9]+$/.test(part) ? Number(part) : undefined;
  };
  const star = text === "*" || text === "?";
  for (const item of text.split(",")) {
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined) return undefined;
    const step = stepText === undefined ? 1 : value(stepText);
    if (step === undefined || step < 1) return undefined;
    let low: number | undefined;
    let high: number | undefined;
    if (range === "*" || range === "?") [low, high] = [min, max];
    else {
      const [from, to, more] = range.split("-");
      if (more !== undefined) return undefined;
      low = value(from);
      high = to === undefined ? (stepText === undefined ? low : max) : value(to);
    }
    if (low === undefined || high === undefined || low < min || high > max || low > high) {
      return undefined;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return { values, star };
}

const MINUTES_PER_DAY = 24 * 60;
/** Two years from a Monday: every weekday and month recurs, and a yearly schedule starts twice. */
const HORIZON_DAYS = 731;
const HORIZON_START = Date.UTC(2024, 0, 1);

/**
 * The longest time, in minutes, between two starts of a 5-field cron schedule (on its own clock,
 * daylight saving aside), or undefined when the schedule cannot be read. A gap of more than
 * SYNC_WINDOW_MAX_MINUTES is reported as that: the bound is the cap then anyway.
 */
export function longestGapMinutes(schedule: string): number | undefined {
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== 5) return undefined;
  const minute = parseField(parts[0], 0, 59);
  const hour = parseField(parts[1], 0, 23);
  const dayOfMonth = parseField(parts[2], 1, 31);
  const month = parseField(parts[3], 1, 12, MONTHS, 1);
  // 7 is Sunday too in most crons; read it as 0.
  const dayOfWeek = parseField(parts[4].replace(/\b7\b/g, "0"), 0, 6, DAYS);
  if (!minute || !hour || !dayOfMonth || !month || !dayOfWeek) return undefined;

  const offsets: number[] = [];
  for (const h of [...hour.values].sort((a, b) => a - b)) {
    for (const m of [...minute.values].sort((a, b) => a - b)) offsets.push(h * 60 + m);
  }
  let longest = 0;
  for (let i = 1; i < offsets.length; i++) {
    longest = Math.max(longest, offsets[i] - offsets[i - 1]);
  }
  const first = offsets[0];
  const last = offsets[offsets.length - 1];
  let previousDay: number | undefined;
  for (let day = 0; day < HORIZON_DAYS; day++) {
    const date = new Date(HORIZON_START + day * MINUTES_PER_DAY * 60_000);
    const domMatch = dayOfMonth.values.has(date.getUTCDate());
    const dowMatch = dayOfWeek.values.has(date.getUTCDay());
    // Cron's rule: with either day field starred both must match, else either one.
    const dayMatches =
      dayOfMonth.star || dayOfWeek.star ? domMatch && dowMatch : domMatch || dowMatch;
    if (!dayMatches || !month.values.has(date.getUTCMonth() + 1)) continue;
    if (previousDay !== undefined) {
      longest = Math.max(longest, (day - previousDay) * MINUTES_PER_DAY + first - last);
    } else {
      longest = Math.max(longest, day * MINUTES_PER_DAY + first);
    }
    previousDay = day;
  }
  if (previousDay === undefined) return SYNC_WINDOW_MAX_MINUTES + 1;
  longest = Math.max(longest, (HORIZON_DAYS - previousDay) * MINUTES_PER_DAY - last);
  return Math.min(longest, SYNC_WINDOW_MAX_MINUTES + 1);
}

/**
 * The longest duration a window on `schedule` may have, in minutes: less than the longest time
 * between two starts, and at most SYNC_WINDOW_MAX_MINUTES; undefined when the schedule cannot be
 * read (the schema refuses it on its own).
 */
export function maxWindowMinutes(schedule: string): number | undefined {
  const gap = longestGapMinutes(schedule);
  if (gap === undefined) return undefined;
  return Math.min(gap - 1, SYNC_WINDOW_MAX_MINUTES);
}
