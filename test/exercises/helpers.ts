/**
 * Test data for the exercise module: the default catalog for a clinic (what registration will
 * insert), single catalog entries with unique names, and assignments written straight to D1
 * through the module's own row builders.
 */
import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { auditLog } from "../../src/db/schema/audit";
import { exerciseAssignments, exerciseTypes } from "../../src/db/schema/exercises";
import { uuidv7 } from "../../src/lib/ids";
import { phiCipherFor } from "../../src/middleware/request-context";
import { catalogRowsFor } from "../../src/modules/exercise-types/exercise-types.catalog";
import { newExerciseTypeRow } from "../../src/modules/exercise-types/exercise-types.data";
import { encryptAssignmentFields } from "../../src/modules/exercises/exercises.data";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

const db = () => drizzle(env.DB);

/** Inserts the default catalog for a workspace; returns the rows by slug. */
export async function seedCatalog(workspaceId: string) {
  const rows = catalogRowsFor(workspaceId);
  const d = db();
  await d.batch(rows.map((row) => d.insert(exerciseTypes).values(row)) as never);
  return Object.fromEntries(rows.map((row) => [row.slug, row]));
}

/** A valid create body for a new catalog entry with a unique name. */
export function stepUpBody(name = `Step-Up ${uuidv7().slice(-8)}`) {
  return {
    name,
    category: "lower_body",
    description: "Step up onto a low step with the left leg, then step down with control.",
    target_muscles: ["quadriceps", "gluteus maximus"],
    difficulty_level: "intermediate" as const,
    analysis: {
      tracked_joints: ["knee_left", "knee_right", "hip_left", "trunk_lean"],
      primary_joint: "knee_left",
      repetition: { type: "reps", direction: "up", start_angle_below: 120, top_angle_above: 165 },
      target_ranges: { knee_left: { min: 165, max: 180 } },
      form_rules: [
        {
          id: "knee_valgus",
          type: "knee_valgus",
          value: 10,
          message: "Keep your knee over your foot",
          severity: "HIGH",
        },
      ],
      tempo: { min_rep_seconds: 2, max_rep_seconds: 6 },
    },
  };
}

/** One catalog entry with a unique name in the workspace. */
export async function insertExerciseType(workspaceId: string) {
  const row = newExerciseTypeRow(workspaceId, stepUpBody() as never, null);
  await db().insert(exerciseTypes).values(row);
  return row;
}

/** An assignment of `typeId` to a patient, written directly (encrypted like the service does). */
export async function insertAssignment(opts: {
  workspaceId: string;
  patientId: string;
  assignedBy: string;
  typeId?: string;
  instructions?: string;
}) {
  const typeId = opts.typeId ?? (await insertExerciseType(opts.workspaceId)).id;
  const id = uuidv7();
  const now = new Date().toISOString();
  const row = {
    id,
    workspaceId: opts.workspaceId,
    patientId: opts.patientId,
    exerciseTypeId: typeId,
    assignedBy: opts.assignedBy,
    sets: 3,
    repetitions: 10,
    status: "Pending" as const,
    createdAt: now,
    updatedAt: now,
    ...(await encryptAssignmentFields(phiCipherFor(env), id, {
      instructions: opts.instructions ?? "Slow and controlled, stop if sharp pain",
      frequency: "3 times per week",
    })),
  };
  await db().insert(exerciseAssignments).values(row);
  return row;
}

/** Audit rows of a workspace for an action (newest last). */
export async function auditRows(workspaceId: string, action: string) {
  return db()
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.workspaceId, workspaceId), eq(auditLog.action, action)))
    .orderBy(auditLog.seq);
}

export const ASSIGNMENTS = "/api/v1/exercises";
export const INSTRUCTIONS = "Avoid deep flexion, left knee meniscus repair 6 weeks ago";

/** A clinic with the default catalog. */
export async function clinicWithCatalog() {
  const clinic = await createClinic();
  return { clinic, catalog: await seedCatalog(clinic.workspaceId) };
}

/** A valid create body: the type for clinic.patient, dosed in repetitions. */
export const assignmentBody = (
  clinic: Clinic,
  typeId: string,
  extra: Record<string, unknown> = {},
) => ({
  patient_id: clinic.patient.id,
  exercise_type_id: typeId,
  sets: 3,
  repetitions: 12,
  frequency: "3 times per week",
  due_date: "2026-02-06",
  instructions: INSTRUCTIONS,
  ...extra,
});

/** Assigns through the API as the physio (on clinic.patient's care team). */
export async function assignViaApi(
  clinic: Clinic,
  typeId: string,
  extra: Record<string, unknown> = {},
) {
  const res = await api("POST", ASSIGNMENTS, {
    token: clinic.physio.token,
    body: assignmentBody(clinic, typeId, extra),
  });
  return expectStatus(res, 201).body.data;
}

/** Raw `exercise_assignments` rows, as stored. */
export const rawAssignments = async (column: string, value: string) =>
  (await env.DB.prepare(`select * from exercise_assignments where ${column} = ?`).bind(value).all())
    .results;
