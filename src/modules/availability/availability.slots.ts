/**
 * Free slots, as pure functions: weekly working hours (local wall-clock windows in an IANA time
 * zone) minus busy intervals (appointments, time off). No I/O, so it is tested on its own.
 *
 * Invariants: a slot lies wholly inside one working window of a local date in
 * [date_from, date_to]; it overlaps no busy interval on [start, end) (touching is fine); it does
 * not start in the past; slots are unique and sorted by start. Daylight-saving shifts are honoured:
 * "09:00" in Europe/Berlin is 08:00Z in winter and 07:00Z in summer.
 */

export type WeeklyWindow = { weekday: number; start: string; end: string; timezone: string };
export type Interval = { start: string; end: string };

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows this IANA time zone name. */
export function isTimeZone(timeZone: string) {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in ms (local wall clock minus UTC). */
function offsetAt(utcMs: number, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(utcMs))) parts[p.type] = +p.value;
  const wall = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** The UTC instant (ms) of a local date ("2030-01-07") and time ("09:00", "24:00") in a zone. */
export function zonedToUtc(date: string, time: string, timeZone: string) {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const [hh, mm] = time.split(":").map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const guess = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(guess, timeZone);
}

/** The dates from `from` to `to` inclusive ("YYYY-MM-DD"), with their weekday (0 = Sunday). */
export function datesBetween(from: string, to: string) {
  const out: { date: string; weekday: number }[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) {
    const day = new Date(t);
    out.push({ date: day.toISOString().slice(0, 10), weekday: day.getUTCDay() });
  }
  return out;
}

export function freeSlots(input: {
  dateFrom: string;
  dateTo: string;
  windows: WeeklyWindow[];
  busy: Interval[];
  durationMinutes: number;
  stepMinutes: number;
  notBefore: number;
}): Interval[] {
  const busy = input.busy
    .map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end) }))
    .sort((a, b) => a.start - b.start);
  const length = input.durationMinutes * MINUTE;
  const step = input.stepMinutes * MINUTE;
  const starts = new Set<number>();
  for (const { date, weekday } of datesBetween(input.dateFrom, input.dateTo)) {
    for (const w of input.windows) {
      if (w.weekday !== weekday) continue;
      const open = zonedToUtc(date, w.start, w.timezone);
      const close = zonedToUtc(date, w.end, w.timezone);
      for (let s = open; s + length <= close; s += step) {
        if (s < input.notBefore) continue;
        const e = s + length;
        if (!busy.some((b) => b.start < e && b.end > s)) starts.add(s);
      }
    }
  }
  return [...starts]
    .sort((a, b) => a - b)
    .map((s) => ({
      start: new Date(s).toISOString(),
      end: new Date(s + length).toISOString(),
    }));
}

/**
 * Whether [start, end) lies wholly inside one working window of a local date, exactly as
 * `freeSlots` places its slots, so every slot it offers passes this check.
 */
export function withinWorkingHours(start: string, end: string, windows: WeeklyWindow[]) {
  const s = Date.parse(start);
  const e = Date.parse(end);
  // A local date is within a day of the UTC date of the instant.
  const day = start.slice(0, 10);
  const from = new Date(Date.parse(`${day}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
  const to = new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
  return datesBetween(from, to).some(({ date, weekday }) =>
    windows.some(
      (w) =>
        w.weekday === weekday &&
        zonedToUtc(date, w.start, w.timezone) <= s &&
        e <= zonedToUtc(date, w.end, w.timezone),
    ),
  );
}
