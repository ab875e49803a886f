/**
 * Who may see a patient: the care team (clinicians), and the family members the patient shares
 * with (see patient-family.service.ts). Invariants: a care team is managed by an admin or by a
 * clinician already on it; members are active clinicians of the patient's workspace.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import { careTeamMembers } from "../../db/schema/patients";
import { users } from "../../db/schema/users";
import { auditEntry, recordAudit } from "../../lib/audit";
import { ConflictError, NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { isClinician } from "../../policy/policy";
import { userFieldRef } from "../users/users.data";
import { accessChanged } from "../realtime/realtime.service";
import { reachPatient } from "./patients.access";
import { isUniqueViolation } from "../../lib/db";
import type { AddCareTeamMemberInput } from "./patient-team.schemas";

type Patient = { id: string; workspaceId: string };

/** Columns of a member and its user; no two share a name (D1 batches lose duplicate names). */
const memberColumns = {
  userId: careTeamMembers.userId,
  addedBy: careTeamMembers.addedBy,
  createdAt: careTeamMembers.createdAt,
  nameEnc: users.nameEnc,
  role: users.role,
  title: users.title,
};
type MemberRow = {
  userId: string;
  addedBy: string | null;
  createdAt: string;
  nameEnc: string;
  role: string;
  title: string | null;
};

const presentMember = async (ctx: RequestContext, m: MemberRow) => ({
  user_id: m.userId,
  name: await ctx.phi.decrypt(m.nameEnc, userFieldRef(m.userId, "name")),
  role: m.role,
  title: m.title,
  added_by: m.addedBy,
  added_at: m.createdAt,
});

const memberQuery = (ctx: RequestContext, patient: Patient, userId: string) =>
  ctx.db.orm
    .select({ id: careTeamMembers.id })
    .from(careTeamMembers)
    .where(
      and(
        eq(careTeamMembers.workspaceId, patient.workspaceId),
        eq(careTeamMembers.patientId, patient.id),
        eq(careTeamMembers.userId, userId),
      ),
    )
    .limit(1);

const duplicateMember = () =>
  new ConflictError(
    "Already on the care team",
    [{ field: "user_id", message: "Already a member" }],
    "DUPLICATE_ENTRY",
  );

/** The care team, oldest member first. */
export async function listCareTeam(ctx: RequestContext, patientId: string) {
  const { patient } = await reachPatient(ctx, patientId, "read", "care_team.listed");
  const audit = await auditEntry(ctx, {
    action: "care_team.listed",
    resourceType: "patient",
    resourceId: patient.id,
  });
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select(memberColumns)
      .from(careTeamMembers)
      .innerJoin(
        users,
        and(eq(users.id, careTeamMembers.userId), eq(users.workspaceId, patient.workspaceId)),
      )
      .where(
        and(
          eq(careTeamMembers.workspaceId, patient.workspaceId),
          eq(careTeamMembers.patientId, patient.id),
        ),
      )
      .orderBy(asc(careTeamMembers.createdAt)),
    audit.query,
  ]);
  return Promise.all(rows.map((row) => presentMember(ctx, row)));
}

/** Adds a clinician of the workspace to the care team (409 when already on it). */
export async function addCareTeamMember(
  ctx: RequestContext,
  patientId: string,
  input: AddCareTeamMemberInput,
) {
  const action = "care_team.created";
  const { caller, patient } = await reachPatient(
    ctx,
    patientId,
    "write",
    action,
    "care_team.manage",
  );
  const [candidates, existing] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(users)
      .where(
        and(
          eq(users.id, input.user_id),
          eq(users.workspaceId, patient.workspaceId),
          isNull(users.deletedAt),
          eq(users.isActive, true),
        ),
      )
      .limit(1),
    memberQuery(ctx, patient, input.user_id),
  ]);
  const user = candidates[0];
  if (!user || !isClinician(user.role)) {
    throw new ValidationError([{ field: "user_id", message: "Not a clinician of this workspace" }]);
  }
  if (existing[0]) throw duplicateMember();
  const member = {
    id: uuidv7(),
    workspaceId: patient.workspaceId,
    patientId: patient.id,
    userId: user.id,
    addedBy: caller.userId,
    createdAt: new Date().toISOString(),
  };
  const audit = await auditEntry(ctx, {
    action,
    resourceType: "patient",
    resourceId: patient.id,
    metadata: { member_id: user.id },
  });
  try {
    await ctx.db.write([ctx.db.orm.insert(careTeamMembers).values(member), audit.query]);
  } catch (error) {
    if (isUniqueViolation(error, "care_team_members.")) throw duplicateMember();
    throw error;
  }
  return presentMember(ctx, {
    ...member,
    nameEnc: user.nameEnc,
    role: user.role,
    title: user.title,
  });
}

/** Removes a member from the care team (404 when not on it). */
export async function removeCareTeamMember(ctx: RequestContext, patientId: string, userId: string) {
  const action = "care_team.deleted";
  const { patient } = await reachPatient(ctx, patientId, "write", action, "care_team.manage");
  const [existing] = await ctx.db.read([memberQuery(ctx, patient, userId)]);
  const audit = { action, resourceType: "patient", resourceId: patient.id } as const;
  if (!existing[0]) {
    await recordAudit(ctx, { ...audit, outcome: "not_found", metadata: { member_id: userId } });
    throw new NotFoundError("Care team member");
  }
  await ctx.db.write([
    ctx.db.orm
      .delete(careTeamMembers)
      .where(
        and(
          eq(careTeamMembers.id, existing[0].id),
          eq(careTeamMembers.workspaceId, patient.workspaceId),
        ),
      ),
    (await auditEntry(ctx, { ...audit, metadata: { member_id: userId } })).query,
  ]);
  // HTTP paths ask the relation on every request; open sockets learn it here (see accessChanged).
  await accessChanged(ctx.env, [userId]).catch(() => 0);
}
