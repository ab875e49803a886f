/**
 * Reading exercise assignments. Every read is audited (assignments are patient data), denials
 * included; access to the patient goes through the policy (`accessPatient`, `patientVisibility`).
 * Family members see a patient's assignments only with the 'exercises' scope.
 */
import { and, count, desc, eq, isNull, type SQL } from "drizzle-orm";
import { exerciseAssignments, exerciseTypes } from "../../db/schema/exercises";
import { patients } from "../../db/schema/patients";
import { users } from "../../db/schema/users";
import { recordAudit, type AuditAction } from "../../lib/audit";
import { ForbiddenError, NotFoundError } from "../../lib/errors";
import { offsetOf } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, isClinician, patientVisibility } from "../../policy/policy";
import type { AnalysisConfig } from "../exercise-types/exercise-types.analysis";
import { presentAssignment } from "./exercises.data";
import type { AssignmentQuery } from "./exercises.schemas";

export const RESOURCE = "exercise_assignment";
const LISTED = "exercise_assignment.listed" satisfies AuditAction;

// D1 batch rows are keyed by column name: joined columns must not share a name (no type `id`;
// it is the assignment's `exercise_type_id`). Every assignment's type exists: types are never deleted.
const typeColumns = {
  name: exerciseTypes.name,
  slug: exerciseTypes.slug,
  category: exerciseTypes.category,
  analysis: exerciseTypes.analysis,
};

const typeJoin = and(
  eq(exerciseTypes.id, exerciseAssignments.exerciseTypeId),
  eq(exerciseTypes.workspaceId, exerciseAssignments.workspaceId),
);

type Joined = {
  assignment: typeof exerciseAssignments.$inferSelect;
  type: { name: string; slug: string; category: string; analysis: AnalysisConfig };
};
const withTypeId = (r: Joined) => ({
  assignment: r.assignment,
  type: { id: r.assignment.exerciseTypeId, ...r.type },
});

/** An assignment of the caller's workspace with its exercise type; 404 (audited) otherwise. */
export async function loadAssignment(ctx: RequestContext, id: string, action: AuditAction) {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ assignment: exerciseAssignments, type: typeColumns })
      .from(exerciseAssignments)
      .innerJoin(exerciseTypes, typeJoin)
      .where(
        and(
          eq(exerciseAssignments.id, id),
          eq(exerciseAssignments.workspaceId, caller.workspaceId),
        ),
      )
      .limit(1),
  ]);
  if (!rows[0]) {
    await recordAudit(ctx, {
      action,
      resourceType: RESOURCE,
      resourceId: id,
      outcome: "not_found",
    });
    throw new NotFoundError("Exercise assignment");
  }
  return withTypeId(rows[0]);
}

/**
 * An assignment whose patient the caller may not reach answers exactly like an unknown assignment
 * (same 404 and message), so its existence does not show.
 */
export async function asAssignment<T>(access: Promise<T>): Promise<T> {
  try {
    return await access;
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError("Exercise assignment");
    throw error;
  }
}

/** One assignment, for its patient, their care team, an admin, or family with 'exercises'. */
export async function getAssignment(ctx: RequestContext, id: string) {
  const action = "exercise_assignment.read" satisfies AuditAction;
  const { assignment, type } = await loadAssignment(ctx, id, action);
  await asAssignment(
    accessPatient(ctx, assignment.patientId, "read", {
      action,
      resourceType: "patient",
      scope: "exercises",
    }),
  );
  await recordAudit(ctx, {
    action,
    resourceType: RESOURCE,
    resourceId: id,
    metadata: { patient_id: assignment.patientId },
  });
  return presentAssignment(ctx.phi, assignment, type);
}

async function pageOf(ctx: RequestContext, where: SQL, query: AssignmentQuery) {
  const filter = and(
    where,
    query.status ? eq(exerciseAssignments.status, query.status) : undefined,
  )!;
  const [rows, total] = await ctx.db.read([
    ctx.db.orm
      .select({ assignment: exerciseAssignments, type: typeColumns })
      .from(exerciseAssignments)
      .innerJoin(patients, eq(patients.id, exerciseAssignments.patientId))
      .innerJoin(exerciseTypes, typeJoin)
      .where(filter)
      .orderBy(desc(exerciseAssignments.createdAt), desc(exerciseAssignments.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm
      .select({ n: count() })
      .from(exerciseAssignments)
      .innerJoin(patients, eq(patients.id, exerciseAssignments.patientId))
      .where(filter),
  ]);
  const items = await Promise.all(
    rows.map(withTypeId).map((r) => presentAssignment(ctx.phi, r.assignment, r.type)),
  );
  return { items, total: total[0]?.n ?? 0 };
}

/** A patient's assignments, newest first, optionally by status. */
export async function listPatientAssignments(
  ctx: RequestContext,
  patientId: string,
  query: AssignmentQuery,
) {
  const caller = callerOf(ctx);
  await accessPatient(ctx, patientId, "read", {
    action: LISTED,
    resourceType: "patient",
    scope: "exercises",
  });
  const page = await pageOf(
    ctx,
    and(
      eq(exerciseAssignments.workspaceId, caller.workspaceId),
      eq(exerciseAssignments.patientId, patientId),
    )!,
    query,
  );
  await recordAudit(ctx, {
    action: LISTED,
    resourceType: "patient",
    resourceId: patientId,
    metadata: { count: page.items.length, total: page.total },
  });
  return page;
}

/**
 * The assignments a clinician made, for that clinician or an admin; limited to patients the
 * caller still sees (a clinician taken off a care team no longer reads that patient's rows).
 */
export async function listAssignmentsBy(
  ctx: RequestContext,
  clinicianId: string,
  query: AssignmentQuery,
) {
  const caller = callerOf(ctx);
  const audit = { action: LISTED, resourceType: "user", resourceId: clinicianId } as const;
  // Refused before the lookup: anyone but an admin or the clinician themself gets the same 403
  // for every id, so the answer never tells which ids are clinicians of the clinic.
  const self = isClinician(caller.role) && caller.userId === clinicianId;
  if (caller.role !== "admin" && !self) {
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { reason: "not_self" } });
    throw new ForbiddenError();
  }
  const [found] = await ctx.db.read([
    ctx.db.orm
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, clinicianId), eq(users.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  if (!found[0]) {
    await recordAudit(ctx, { ...audit, outcome: "not_found" });
    throw new NotFoundError("User");
  }
  const page = await pageOf(
    ctx,
    and(
      eq(exerciseAssignments.workspaceId, caller.workspaceId),
      eq(exerciseAssignments.assignedBy, clinicianId),
      isNull(patients.deletedAt),
      patientVisibility(caller),
    )!,
    query,
  );
  await recordAudit(ctx, {
    ...audit,
    metadata: { count: page.items.length, total: page.total },
  });
  return page;
}
