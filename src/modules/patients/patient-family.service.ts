/**
 * What a patient shares with family members. Invariants: granted and revoked by the patient
 * themself (their own record) or an admin; the grantee is a family-role user of the same
 * workspace; access is limited to the grant's scopes (chat, session summaries, appointments,
 * exercises), never clinical records; a revoked grant keeps its row (`revoked_at`) and can be
 * granted again.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import { familyAccess } from "../../db/schema/patients";
import { users } from "../../db/schema/users";
import { auditEntry, recordAudit } from "../../lib/audit";
import { ConflictError, NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { userFieldRef } from "../users/users.data";
import { accessChanged } from "../realtime/realtime.service";
import { reachPatient } from "./patients.access";
import { isUniqueViolation } from "../../lib/db";
import type { GrantFamilyAccessInput } from "./patient-team.schemas";

type Grant = typeof familyAccess.$inferSelect;
type Patient = { id: string; workspaceId: string };

const presentGrant = async (ctx: RequestContext, grant: Grant, nameEnc: string) => ({
  id: grant.id,
  patient_id: grant.patientId,
  family_user_id: grant.familyUserId,
  name: await ctx.phi.decrypt(nameEnc, userFieldRef(grant.familyUserId, "name")),
  scopes: grant.scopes,
  relationship: grant.relationship,
  granted_by: grant.grantedBy,
  created_at: grant.createdAt,
});

const grantQuery = (ctx: RequestContext, patient: Patient, familyUserId: string) =>
  ctx.db.orm
    .select()
    .from(familyAccess)
    .where(
      and(
        eq(familyAccess.workspaceId, patient.workspaceId),
        eq(familyAccess.patientId, patient.id),
        eq(familyAccess.familyUserId, familyUserId),
      ),
    )
    .limit(1);

/** The patient's active grants, oldest first. */
export async function listFamilyAccess(ctx: RequestContext, patientId: string) {
  const action = "family_access.listed";
  const { patient } = await reachPatient(ctx, patientId, "read", action, "family_access.grant");
  const audit = await auditEntry(ctx, { action, resourceType: "patient", resourceId: patient.id });
  const [rows] = await ctx.db.read([
    ctx.db.orm
      // Only the user's name: a join whose columns share names breaks D1 batches.
      .select({ grant: familyAccess, nameEnc: users.nameEnc })
      .from(familyAccess)
      .innerJoin(
        users,
        and(eq(users.id, familyAccess.familyUserId), eq(users.workspaceId, patient.workspaceId)),
      )
      .where(
        and(
          eq(familyAccess.workspaceId, patient.workspaceId),
          eq(familyAccess.patientId, patient.id),
          isNull(familyAccess.revokedAt),
        ),
      )
      .orderBy(asc(familyAccess.createdAt)),
    audit.query,
  ]);
  return Promise.all(rows.map(({ grant, nameEnc }) => presentGrant(ctx, grant, nameEnc)));
}

/** Grants a family member access within scopes; 409 while an active grant exists. */
export async function grantFamilyAccess(
  ctx: RequestContext,
  patientId: string,
  input: GrantFamilyAccessInput,
) {
  const action = "family_access.granted";
  const { caller, patient } = await reachPatient(
    ctx,
    patientId,
    "write",
    action,
    "family_access.grant",
  );
  const [candidates, existing] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(users)
      .where(
        and(
          eq(users.id, input.family_user_id),
          eq(users.workspaceId, patient.workspaceId),
          eq(users.role, "family"),
          isNull(users.deletedAt),
        ),
      )
      .limit(1),
    grantQuery(ctx, patient, input.family_user_id),
  ]);
  const user = candidates[0];
  if (!user) {
    throw new ValidationError([
      { field: "family_user_id", message: "Not a family member user of this workspace" },
    ]);
  }
  const previous = existing[0];
  if (previous && !previous.revokedAt) {
    throw new ConflictError(
      "This family member already has access; revoke it first to change scopes",
      [{ field: "family_user_id", message: "Already granted" }],
      "DUPLICATE_ENTRY",
    );
  }
  const grant: Grant = {
    id: previous?.id ?? uuidv7(),
    workspaceId: patient.workspaceId,
    patientId: patient.id,
    familyUserId: user.id,
    scopes: input.scopes,
    relationship: input.relationship ?? null,
    grantedBy: caller.userId,
    createdAt: new Date().toISOString(),
    revokedAt: null,
  };
  const { id, ...fields } = grant;
  try {
    await ctx.db.write([
      previous
        ? ctx.db.orm
            .update(familyAccess)
            .set(fields)
            .where(and(eq(familyAccess.id, id), eq(familyAccess.workspaceId, patient.workspaceId)))
        : ctx.db.orm.insert(familyAccess).values(grant),
      (
        await auditEntry(ctx, {
          action,
          resourceType: "patient",
          resourceId: patient.id,
          metadata: { family_user_id: user.id, scopes: input.scopes },
        })
      ).query,
    ]);
  } catch (error) {
    // Two grants for the same family member at once: the unique index lets one through.
    if (isUniqueViolation(error, "family_access.")) {
      throw new ConflictError("This family member's access was just granted", [
        { field: "family_user_id", message: "Already granted" },
      ]);
    }
    throw error;
  }
  return presentGrant(ctx, grant, user.nameEnc);
}

/** Revokes a family member's access (404 when there is no active grant). */
export async function revokeFamilyAccess(
  ctx: RequestContext,
  patientId: string,
  familyUserId: string,
) {
  const action = "family_access.revoked";
  const { patient } = await reachPatient(ctx, patientId, "write", action, "family_access.grant");
  const [existing] = await ctx.db.read([grantQuery(ctx, patient, familyUserId)]);
  const grant = existing[0];
  const audit = { action, resourceType: "patient", resourceId: patient.id } as const;
  const metadata = { family_user_id: familyUserId };
  if (!grant || grant.revokedAt) {
    await recordAudit(ctx, { ...audit, outcome: "not_found", metadata });
    throw new NotFoundError("Family access");
  }
  await ctx.db.write([
    ctx.db.orm
      .update(familyAccess)
      .set({ revokedAt: new Date().toISOString() })
      .where(and(eq(familyAccess.id, grant.id), eq(familyAccess.workspaceId, patient.workspaceId))),
    (await auditEntry(ctx, { ...audit, metadata })).query,
  ]);
  // HTTP paths ask the grant on every request; open sockets learn it here (see accessChanged).
  await accessChanged(ctx.env, [familyUserId]).catch(() => 0);
}
