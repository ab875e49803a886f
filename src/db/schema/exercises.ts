/**
 * The exercise catalog (per workspace) and the exercises clinicians assign to patients.
 *
 * Invariants:
 * - A catalog row is a product definition, not patient data: stored in the clear. Its name is
 *   unique per workspace (case-insensitively, through `name_key`), and so is its slug.
 * - `analysis` always holds a config that passed `AnalysisConfig` (exercise-types.analysis.ts).
 * - An assignment is patient data: its free text (instructions, frequency as written) is stored
 *   only encrypted, bound to table, column and row. Structured fields (sets, repetitions, dates,
 *   status) stay in the clear so they can be filtered.
 * - `idempotency_key` is unique per (workspace, assigning user): a retried create finds the first
 *   row instead of inserting another; `request_fingerprint` (keyed hash) detects a reused key.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { AnalysisConfig } from "../../modules/exercise-types/exercise-types.analysis";
import { createdAt, id, timestamp, updatedAt, workspaceId } from "./columns";

export const DIFFICULTY_LEVELS = ["beginner", "intermediate", "advanced"] as const;
export type DifficultyLevel = (typeof DIFFICULTY_LEVELS)[number];

export const ASSIGNMENT_STATUSES = ["Pending", "Completed", "Not Completed"] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

export const exerciseTypes = sqliteTable(
  "exercise_types",
  {
    id: id(),
    workspaceId: workspaceId(),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    slug: text("slug").notNull(),
    category: text("category").notNull(),
    description: text("description"),
    targetMuscles: text("target_muscles", { mode: "json" }).$type<string[]>().notNull(),
    difficultyLevel: text("difficulty_level", { enum: DIFFICULTY_LEVELS }).notNull(),
    analysis: text("analysis", { mode: "json" }).$type<AnalysisConfig>().notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("exercise_types_workspace_name").on(t.workspaceId, t.nameKey),
    uniqueIndex("exercise_types_workspace_slug").on(t.workspaceId, t.slug),
    index("exercise_types_workspace_category").on(t.workspaceId, t.category),
  ],
);

export const exerciseAssignments = sqliteTable(
  "exercise_assignments",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    exerciseTypeId: text("exercise_type_id").notNull(),
    assignedBy: text("assigned_by").notNull(),
    sets: integer("sets").notNull(),
    repetitions: integer("repetitions"),
    holdSeconds: integer("hold_seconds"),
    frequencyEnc: text("frequency_enc"),
    timesPerWeek: integer("times_per_week"),
    dueDate: text("due_date"),
    instructionsEnc: text("instructions_enc"),
    status: text("status", { enum: ASSIGNMENT_STATUSES }).notNull().default("Pending"),
    completedAt: timestamp("completed_at"),
    idempotencyKey: text("idempotency_key"),
    requestFingerprint: text("request_fingerprint"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("exercise_assignments_idempotency").on(
      t.workspaceId,
      t.assignedBy,
      t.idempotencyKey,
    ),
    index("exercise_assignments_patient").on(t.workspaceId, t.patientId, t.createdAt),
    index("exercise_assignments_assigned_by").on(t.workspaceId, t.assignedBy, t.createdAt),
  ],
);
