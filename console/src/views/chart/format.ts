/** Text of the chart's values: dates, an assignment's dose and frequency, joint names. */
import type { Schemas } from "../../api";

export type Assignment = Schemas["ExerciseAssignment"];
export type ExerciseType = Schemas["ExerciseType"];

/** A calendar date as the reader's locale writes it ("—" when absent). */
export function day(iso: string | null | undefined): string {
  if (!iso) return "—";
  // A bare date is a calendar day, not midnight UTC: show it without a time-zone shift.
  const d = iso.length === 10 ? new Date(`${iso}T12:00:00`) : new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString();
}

export function dose(a: Pick<Assignment, "sets" | "repetitions" | "hold_seconds">): string {
  const sets = `${a.sets} ${a.sets === 1 ? "set" : "sets"}`;
  if (a.repetitions) return `${sets} × ${a.repetitions} reps`;
  if (a.hold_seconds) return `${sets} × ${a.hold_seconds} s hold`;
  return sets;
}

export function frequency(f: Assignment["frequency"]): string {
  if (!f) return "";
  if (typeof f === "string") return f;
  const week = `${f.times_per_week}× a week`;
  return f.times_per_day ? `${week}, ${f.times_per_day}× a day` : week;
}

/** "knee_left" → "Left knee", "trunk_lean" → "Trunk lean". */
export function jointName(joint: string): string {
  const m = /^(\w+)_(left|right)$/.exec(joint);
  const words = m ? `${m[2]} ${m[1]}` : joint.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Ended means completed; "Pending" and "Not Completed" are still to do (the patient sees them). */
export const isActive = (a: Assignment) => a.status !== "Completed";
