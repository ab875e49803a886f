/**
 * Calendar arithmetic of the schedule, in the browser's own time zone (the week a person sees
 * starts on their Monday). The API speaks UTC instants; these helpers convert at the edges.
 */
export const DAY_MS = 86_400_000;

/** Local midnight of the Monday of `date`'s week. */
export function mondayOf(date: Date): Date {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

/** `date` moved by `days` calendar days (local; daylight-saving changes keep midnight). */
export function addDays(date: Date, days: number): Date {
  const d = new Date(date);
  d.setDate(d.getDate() + days);
  return d;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `YYYY-MM-DD` of a local date (the value of an `<input type="date">`). */
export function dayKey(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `HH:MM` of a local time (the value of an `<input type="time">`). */
export function clock(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The instant of a local date and time from the form's fields; null if either is empty. */
export function instantOf(day: string, time: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !/^\d{2}:\d{2}$/.test(time)) return null;
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const [hh, mm] = time.split(":").map(Number) as [number, number];
  return new Date(y, m - 1, d, hh, mm);
}

export function sameDay(a: Date, b: Date): boolean {
  return dayKey(a) === dayKey(b);
}

export const fmtDay = (d: Date) =>
  d.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });

export const fmtTime = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });

/** "Wed 9 Dec, 13:00–17:00" (the end's date only when it is another day). */
export function fmtRange(startIso: string, endIso: string): string {
  const start = new Date(startIso);
  const end = new Date(endIso);
  const endText = sameDay(start, end) ? fmtTime(endIso) : `${fmtDay(end)}, ${fmtTime(endIso)}`;
  return `${fmtDay(start)}, ${fmtTime(startIso)}–${endText}`;
}

/** Whole minutes from one instant to another. */
export const minutesBetween = (a: string, b: string) =>
  Math.round((new Date(b).getTime() - new Date(a).getTime()) / 60_000);
