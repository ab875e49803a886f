/**
 * Checks of a patient record's references before it is written, in one D1 round trip: the MRN is
 * free in the workspace (through its blind index), the linked user is a patient of the workspace
 * not linked to another record, and care-team members are active clinicians of the workspace.
 */
import { and, eq, inArray, isNull, ne, sql } from "drizzle-orm";
import { patients } from "../../db/schema/patients";
import { users } from "../../db/schema/users";
import { ConflictError, ValidationError, type FieldIssue } from "../../lib/errors";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { isClinician } from "../../policy/policy";
import { mrnIndex } from "./patients.data";

export type PatientChecks = {
  mrn?: string;
  userId?: string | null;
  careTeam?: string[];
  /** The record being updated: it does not conflict with itself. */
  selfId?: string;
};

const never = sql`0`;

export function clinicianQuery(ctx: RequestContext, caller: Caller, ids: string[]) {
  return ctx.db.orm
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(
      ids.length === 0
        ? never
        : and(
            eq(users.workspaceId, caller.workspaceId),
            inArray(users.id, ids),
            isNull(users.deletedAt),
            eq(users.isActive, true),
          ),
    );
}

/** Throws 422 for bad references, then 409 for a taken MRN or an already linked user. */
export async function checkPatientInput(ctx: RequestContext, caller: Caller, input: PatientChecks) {
  const careTeam = input.careTeam ?? [];
  const userId = input.userId ?? null;
  if (input.mrn === undefined && userId === null && careTeam.length === 0) return;
  const notSelf = input.selfId ? ne(patients.id, input.selfId) : undefined;
  const [mrnRows, userRows, linkedRows, teamRows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: patients.id })
      .from(patients)
      .where(
        input.mrn === undefined
          ? never
          : and(
              eq(patients.workspaceId, caller.workspaceId),
              eq(patients.mrnIndex, await mrnIndex(ctx.phi, input.mrn)),
              notSelf,
            ),
      )
      .limit(1),
    ctx.db.orm
      .select({ role: users.role })
      .from(users)
      .where(
        userId === null
          ? never
          : and(
              eq(users.id, userId),
              eq(users.workspaceId, caller.workspaceId),
              isNull(users.deletedAt),
            ),
      )
      .limit(1),
    ctx.db.orm
      .select({ id: patients.id })
      .from(patients)
      .where(
        userId === null
          ? never
          : and(
              eq(patients.workspaceId, caller.workspaceId),
              eq(patients.userId, userId),
              isNull(patients.deletedAt),
              notSelf,
            ),
      )
      .limit(1),
    clinicianQuery(ctx, caller, careTeam),
  ]);

  const issues: FieldIssue[] = [];
  if (userId !== null && userRows[0]?.role !== "patient") {
    issues.push({ field: "user_id", message: "Not a patient user of this workspace" });
  }
  const clinicians = new Set(teamRows.filter((u) => isClinician(u.role)).map((u) => u.id));
  careTeam.forEach((id, i) => {
    if (!clinicians.has(id)) {
      issues.push({ field: `care_team.${i}`, message: "Not a clinician of this workspace" });
    }
  });
  if (issues.length > 0) throw new ValidationError(issues);
  if (mrnRows[0]) throw duplicateMrn();
  if (linkedRows[0]) {
    throw new ConflictError(
      "This user is already linked to another patient record",
      [{ field: "user_id", message: "Already linked" }],
      "DUPLICATE_ENTRY",
    );
  }
}

export const duplicateMrn = () =>
  new ConflictError(
    "A patient with this MRN already exists",
    [{ field: "mrn", message: "Already in use" }],
    "DUPLICATE_ENTRY",
  );
