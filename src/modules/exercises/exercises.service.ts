/**
 * Assigning exercises and changing assignments. A clinician on the patient's care team assigns
 * ('exercises.assign' + write access to the patient) and changes anything; the patient may only
 * change the status. Each change and its audit entry are written in one batch.
 * Idempotency: a create with an `Idempotency-Key` header (or `client_id`) already used by the
 * same user in the workspace returns the first assignment; the same key with another request is
 * a 409.
 */
import { isUniqueViolation } from "../../lib/db";
import { and, eq } from "drizzle-orm";
import { exerciseAssignments, exerciseTypes } from "../../db/schema/exercises";
import { auditEntry, recordAudit } from "../../lib/audit";
import { hmac } from "../../lib/crypto/keys";
import { toHex } from "../../lib/encoding";
import { ConflictError, ForbiddenError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, requirePermission } from "../../policy/policy";
import type { AnalysisConfig } from "../exercise-types/exercise-types.analysis";
import { encryptAssignmentFields, presentAssignment } from "./exercises.data";
import { asAssignment, loadAssignment, RESOURCE } from "./exercises.reads";
import type { CreateAssignmentInput, UpdateAssignmentInput } from "./exercises.schemas";

const CREATED = "exercise_assignment.created" as const;
const UPDATED = "exercise_assignment.updated" as const;

/** A hold exercise is dosed in seconds, a repetition exercise in repetitions (422 otherwise). */
function assertDose(
  analysis: AnalysisConfig,
  dose: { repetitions?: number | null; hold_seconds?: number | null },
) {
  if (analysis.repetition.type === "hold" && !dose.hold_seconds) {
    throw new ValidationError([{ field: "hold_seconds", message: "Required for a hold exercise" }]);
  }
  if (analysis.repetition.type === "reps" && !dose.repetitions) {
    throw new ValidationError([
      { field: "repetitions", message: "Required for a repetition exercise" },
    ]);
  }
}

const typeQuery = (ctx: RequestContext, workspaceId: string, id: string) =>
  ctx.db.orm
    .select()
    .from(exerciseTypes)
    .where(and(eq(exerciseTypes.id, id), eq(exerciseTypes.workspaceId, workspaceId)))
    .limit(1);

const unknownType = () =>
  new ValidationError([{ field: "exercise_type_id", message: "Unknown exercise type" }]);

const stableJson = (value: Record<string, unknown>) =>
  JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))));

/** Assigns an exercise to a patient; returns the first result again for a repeated key. */
export async function createAssignment(
  ctx: RequestContext,
  input: CreateAssignmentInput,
  idempotencyKey?: string,
) {
  const caller = await requirePermission(ctx, "exercises.assign", {
    action: CREATED,
    resourceType: RESOURCE,
  });
  await accessPatient(ctx, input.patient_id, "write", { action: CREATED, resourceType: "patient" });
  const { client_id, ...request } = input;
  const key = idempotencyKey ?? client_id ?? null;
  // Keyed, so the stored fingerprint reveals nothing of the (encrypted) free text it covers.
  const fingerprint = key
    ? toHex(
        await hmac(ctx.env.BLIND_INDEX_KEY, `exercise_assignment.request\0${stableJson(request)}`),
      )
    : null;
  const byKey = () =>
    ctx.db.orm
      .select()
      .from(exerciseAssignments)
      .where(
        and(
          eq(exerciseAssignments.workspaceId, caller.workspaceId),
          eq(exerciseAssignments.assignedBy, caller.userId),
          // Keys are at least 8 characters, so "" never matches: no key, no replay.
          eq(exerciseAssignments.idempotencyKey, key ?? ""),
        ),
      )
      .limit(1);
  const replay = async (first: typeof exerciseAssignments.$inferSelect) => {
    if (first.requestFingerprint !== fingerprint) {
      throw new ConflictError("This idempotency key was used for a different request", [
        { field: "idempotency_key", message: "Already used with other values" },
      ]);
    }
    const [types] = await ctx.db.read([typeQuery(ctx, caller.workspaceId, first.exerciseTypeId)]);
    await recordAudit(ctx, {
      action: "exercise_assignment.read",
      resourceType: RESOURCE,
      resourceId: first.id,
      metadata: { patient_id: first.patientId, idempotent_replay: true },
    });
    return {
      assignment: await presentAssignment(ctx.phi, first, types[0] ?? null),
      replayed: true,
    };
  };

  const [types, existing] = await ctx.db.read([
    typeQuery(ctx, caller.workspaceId, input.exercise_type_id),
    byKey(),
  ]);
  if (existing[0]) return replay(existing[0]);
  const type = types[0];
  if (!type) throw unknownType();
  assertDose(type.analysis, input);

  const id = uuidv7();
  const now = new Date().toISOString();
  const row: typeof exerciseAssignments.$inferInsert = {
    id,
    workspaceId: caller.workspaceId,
    patientId: input.patient_id,
    exerciseTypeId: type.id,
    assignedBy: caller.userId,
    sets: input.sets,
    repetitions: input.repetitions ?? null,
    holdSeconds: input.hold_seconds ?? null,
    dueDate: input.due_date ?? null,
    status: input.status,
    completedAt: input.status === "Completed" ? now : null,
    idempotencyKey: key,
    requestFingerprint: fingerprint,
    createdAt: now,
    updatedAt: now,
    instructionsEnc: null,
    frequencyEnc: null,
    timesPerWeek: null,
    ...(await encryptAssignmentFields(ctx.phi, id, input)),
  };
  const audit = await auditEntry(ctx, {
    action: CREATED,
    resourceType: RESOURCE,
    resourceId: id,
    metadata: { patient_id: input.patient_id, exercise_type_id: type.id },
  });
  try {
    await ctx.db.write([ctx.db.orm.insert(exerciseAssignments).values(row), audit.query]);
  } catch (error) {
    // A concurrent retry with the same key won the insert: answer with its row.
    if (key && isUniqueViolation(error)) {
      const [again] = await ctx.db.read([byKey()]);
      if (again[0]) return replay(again[0]);
    }
    throw error;
  }
  const created = row as typeof exerciseAssignments.$inferSelect;
  return { assignment: await presentAssignment(ctx.phi, created, type), replayed: false };
}

/** Changes an assignment: anything for its care-team clinicians, only `status` for the patient. */
export async function updateAssignment(
  ctx: RequestContext,
  id: string,
  input: UpdateAssignmentInput,
) {
  const caller = callerOf(ctx);
  // The role first, before the lookup: its 403 is the same for every id.
  if (caller.role !== "patient") {
    await requirePermission(ctx, "exercises.assign", {
      action: UPDATED,
      resourceType: RESOURCE,
      resourceId: id,
    });
  }
  const { assignment, type } = await loadAssignment(ctx, id, UPDATED);
  if (caller.role === "patient") {
    await asAssignment(
      accessPatient(ctx, assignment.patientId, "write", {
        action: UPDATED,
        resourceType: "patient",
      }),
    );
    const fields = Object.keys(input).filter((field) => field !== "status");
    if (fields.length > 0) {
      await recordAudit(ctx, {
        action: UPDATED,
        resourceType: RESOURCE,
        resourceId: id,
        outcome: "denied",
        metadata: { reason: "patient_may_only_set_status", fields },
      });
      throw new ForbiddenError("A patient may only change the status of an assignment");
    }
  } else {
    await asAssignment(
      accessPatient(ctx, assignment.patientId, "write", {
        action: UPDATED,
        resourceType: "patient",
        scope: "exercises",
      }),
    );
  }

  let nextType = type;
  if (input.exercise_type_id && input.exercise_type_id !== assignment.exerciseTypeId) {
    const [types] = await ctx.db.read([typeQuery(ctx, caller.workspaceId, input.exercise_type_id)]);
    if (!types[0]) throw unknownType();
    nextType = types[0];
  }
  const repetitions = input.repetitions !== undefined ? input.repetitions : assignment.repetitions;
  const holdSeconds =
    input.hold_seconds !== undefined ? input.hold_seconds : assignment.holdSeconds;
  const doseChanged = ["exercise_type_id", "repetitions", "hold_seconds"].some((f) => f in input);
  if (nextType && doseChanged)
    assertDose(nextType.analysis, { repetitions, hold_seconds: holdSeconds });

  const now = new Date().toISOString();
  const status = input.status ?? assignment.status;
  const changes = {
    ...(input.exercise_type_id !== undefined && { exerciseTypeId: input.exercise_type_id }),
    ...(input.sets !== undefined && { sets: input.sets }),
    repetitions,
    holdSeconds,
    ...(input.due_date !== undefined && { dueDate: input.due_date }),
    status,
    completedAt:
      status !== "Completed"
        ? null
        : assignment.status === "Completed"
          ? assignment.completedAt
          : now,
    updatedAt: now,
    ...(await encryptAssignmentFields(ctx.phi, id, input)),
  };
  const audit = await auditEntry(ctx, {
    action: UPDATED,
    resourceType: RESOURCE,
    resourceId: id,
    metadata: { patient_id: assignment.patientId, fields: Object.keys(input).sort() },
  });
  await ctx.db.write([
    ctx.db.orm
      .update(exerciseAssignments)
      .set(changes)
      .where(
        and(
          eq(exerciseAssignments.id, id),
          eq(exerciseAssignments.workspaceId, caller.workspaceId),
        ),
      ),
    audit.query,
  ]);
  return presentAssignment(ctx.phi, { ...assignment, ...changes }, nextType);
}
