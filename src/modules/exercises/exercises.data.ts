/**
 * Building and reading assignment rows: the only place that knows which assignment fields are
 * encrypted (instructions, frequency as written), each bound to its row and column.
 */
import { exerciseAssignments, type exerciseTypes } from "../../db/schema/exercises";
import type { PhiCipher } from "../../lib/crypto/phi";
import type { Frequency } from "./exercises.schemas";

export type AssignmentRow = typeof exerciseAssignments.$inferSelect;
type TypeSummary = Pick<typeof exerciseTypes.$inferSelect, "id" | "name" | "slug" | "category">;

const ref = (id: string, column: string) => ({ table: "exercise_assignments", column, rowId: id });

const WORDS: Record<string, number> = { once: 1, twice: 2, one: 1, two: 2, three: 3, four: 4 };

/** Sessions per week when the frequency says so ("3 times per week", "twice a week", "daily"). */
export function timesPerWeekOf(frequency: Frequency | null | undefined): number | null {
  if (!frequency) return null;
  if (typeof frequency !== "string") {
    return frequency.times_per_week;
  }
  const text = frequency.toLowerCase();
  if (/\b(daily|every day|each day)\b/.test(text)) return 7;
  const match = /(\d+|once|twice|one|two|three|four)\s*(x|times?)?\s*(per|a|\/|each)\s*week/.exec(
    text,
  );
  if (!match) return null;
  const n = Number(match[1]) || WORDS[match[1]!] || 0;
  return n >= 1 && n <= 21 ? n : null;
}

/** Encrypted column values for the free-text fields present (a partial update encrypts only those). */
export async function encryptAssignmentFields(
  phi: PhiCipher,
  id: string,
  input: { instructions?: string | null; frequency?: Frequency | null },
) {
  const out: Partial<typeof exerciseAssignments.$inferInsert> = {};
  if (input.instructions !== undefined) {
    out.instructionsEnc = await phi.encryptOptional(input.instructions, ref(id, "instructions"));
  }
  if (input.frequency !== undefined) {
    const json = input.frequency === null ? null : JSON.stringify(input.frequency);
    out.frequencyEnc = await phi.encryptOptional(json, ref(id, "frequency"));
    out.timesPerWeek = timesPerWeekOf(input.frequency);
  }
  return out;
}

/** The public shape of an assignment, decrypted. */
export async function presentAssignment(
  phi: PhiCipher,
  row: AssignmentRow,
  type: TypeSummary | null,
) {
  const frequency = await phi.decryptOptional(row.frequencyEnc, ref(row.id, "frequency"));
  return {
    id: row.id,
    workspace_id: row.workspaceId,
    patient_id: row.patientId,
    exercise_type_id: row.exerciseTypeId,
    exercise_type: type
      ? { id: type.id, name: type.name, slug: type.slug, category: type.category }
      : null,
    assigned_by: row.assignedBy,
    sets: row.sets,
    repetitions: row.repetitions,
    hold_seconds: row.holdSeconds,
    frequency: frequency === null ? null : (JSON.parse(frequency) as Frequency),
    times_per_week: row.timesPerWeek,
    due_date: row.dueDate,
    instructions: await phi.decryptOptional(row.instructionsEnc, ref(row.id, "instructions")),
    status: row.status,
    completed_at: row.completedAt,
    assigned_date: row.createdAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
