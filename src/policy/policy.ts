/**
 * The one access policy, used by every route and every socket.
 *
 * - Workspace: every query is scoped by the caller's workspace; another workspace's object is a 404.
 * - Role: permissions below; a role without the permission gets 403 (and an audited denial).
 * - Relation to a patient: admins see the whole workspace; clinicians the patients on whose care
 *   team they are; a patient their own record; family what a patient shared with them (by scope).
 *   Anyone outside the relation gets 404, exactly as for an id that exists nowhere, so no answer
 *   tells which ids are real (test/security/oracle.test.ts). A 403 only ever comes from the role,
 *   checked before anything is looked up, so it is the same for every id.
 */
import { and, eq, exists, isNull, sql, type SQL } from "drizzle-orm";
import { careTeamMembers, familyAccess, patients, type FamilyScope } from "../db/schema/patients";
import type { Role } from "../db/schema/users";
import { auditEntry, recordAudit, type AuditAction } from "../lib/audit";
import { ForbiddenError, NotFoundError } from "../lib/errors";
import { callerOf } from "../middleware/auth";
import type { Caller, RequestContext } from "../middleware/request-context";

export const CLINICIAN_ROLES = ["physiotherapist", "doctor", "nurse"] as const satisfies Role[];
export const STAFF_ROLES = ["admin", ...CLINICIAN_ROLES] as const satisfies Role[];
export const ALL_ROLES = [...STAFF_ROLES, "patient", "family"] as const satisfies Role[];

export const isClinician = (role: Role) => (CLINICIAN_ROLES as readonly Role[]).includes(role);
export const isStaff = (role: Role) => (STAFF_ROLES as readonly Role[]).includes(role);

/** Role permissions. A permission not listed for a role is denied. */
export const PERMISSIONS = {
  "users.manage": ["admin"],
  "users.read_directory": STAFF_ROLES,
  "invites.create": STAFF_ROLES,
  "audit.read": ["admin"],
  "outbox.read": ["admin"],
  "patients.create": STAFF_ROLES,
  "patients.delete": ["admin"],
  "patients.write_clinical": STAFF_ROLES,
  "care_team.manage": STAFF_ROLES,
  "family_access.grant": ["admin", "patient"],
  "catalog.manage": ["admin"],
  "scheduling.manage": STAFF_ROLES,
  "exercises.assign": CLINICIAN_ROLES,
  "services.read": [...STAFF_ROLES, "patient"],
  "locations.read": STAFF_ROLES,
  "availability.read": STAFF_ROLES,
  "slots.read": [...STAFF_ROLES, "patient"],
  "appointments.own": ["patient"],
  "sessions.review": CLINICIAN_ROLES,
  "sessions.review_queue": STAFF_ROLES,
  "chats.create": STAFF_ROLES,
  "pose.estimate": [...STAFF_ROLES, "patient"],
  "clinical_notes.write": CLINICIAN_ROLES,
  "clinical_notes.purge": ["admin"],
  "clinical_notes.settings": ["admin"],
  "scribe.use": CLINICIAN_ROLES,
  "sms.send": STAFF_ROLES,
  "sms.read": STAFF_ROLES,
  "sms.configure": ["admin"],
  "sessions.own": ["patient"],
  "calls.use": [...STAFF_ROLES, "patient"],
  "calls.record": STAFF_ROLES,
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const hasPermission = (role: Role, permission: Permission) =>
  (PERMISSIONS[permission] as readonly Role[]).includes(role);

/** Throws 403 (audited) unless the caller's role holds the permission. */
export async function requirePermission(
  ctx: RequestContext,
  permission: Permission,
  audit: { action: AuditAction; resourceType: string; resourceId?: string | null },
): Promise<Caller> {
  const caller = callerOf(ctx);
  if (!hasPermission(caller.role, permission)) {
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { permission } });
    throw new ForbiddenError();
  }
  return caller;
}

/**
 * SQL condition: the `patients` row is visible to the caller (workspace scoping included).
 * `scope` narrows what family members may see.
 */
export function patientVisibility(caller: Caller, scope?: FamilyScope): SQL {
  const inWorkspace = eq(patients.workspaceId, caller.workspaceId);
  switch (caller.role) {
    case "admin":
      return inWorkspace;
    case "patient":
      return and(inWorkspace, eq(patients.userId, caller.userId))!;
    case "family":
      return and(
        inWorkspace,
        exists(
          sql`(select 1 from ${familyAccess} where ${familyAccess.patientId} = ${patients.id}
            and ${familyAccess.familyUserId} = ${caller.userId} and ${familyAccess.revokedAt} is null
            ${scope ? sql`and exists (select 1 from json_each(${familyAccess.scopes}) where value = ${scope})` : sql``})`,
        ),
      )!;
    default:
      return and(
        inWorkspace,
        exists(
          sql`(select 1 from ${careTeamMembers} where ${careTeamMembers.patientId} = ${patients.id}
            and ${careTeamMembers.userId} = ${caller.userId})`,
        ),
      )!;
  }
}

export type PatientAccess = "read" | "write";

/**
 * Loads a patient the caller may reach, in one round trip (with the session check). Audits and
 * throws on denial: 403 first when the role may never `write` (family), then 404 for another
 * workspace, an unknown id or a record outside the caller's relation (see above).
 */
export async function accessPatient(
  ctx: RequestContext,
  patientId: string,
  access: PatientAccess,
  audit: { action: AuditAction; resourceType?: string; scope?: FamilyScope },
) {
  const caller = callerOf(ctx);
  const resourceType = audit.resourceType ?? "patient";
  const canWrite = hasPermission(caller.role, "patients.write_clinical");
  if (access === "write" && !canWrite && caller.role !== "patient") {
    // The role never writes: refused before the lookup, the same answer for every id.
    await recordAudit(ctx, {
      action: audit.action,
      resourceType,
      resourceId: patientId,
      outcome: "denied",
      metadata: { reason: "role" },
    });
    throw new ForbiddenError();
  }
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({
        patient: patients,
        visible: sql<number>`(${patientVisibility(caller, audit.scope)})`,
      })
      .from(patients)
      .where(
        and(
          eq(patients.id, patientId),
          eq(patients.workspaceId, caller.workspaceId),
          isNull(patients.deletedAt),
        ),
      )
      .limit(1),
  ]);
  const row = rows[0];
  if (!row) {
    await recordAudit(ctx, {
      action: audit.action,
      resourceType,
      resourceId: patientId,
      outcome: "not_found",
    });
    throw new NotFoundError("Patient");
  }
  // A patient writes only their own record (the profile); any other is outside the relation.
  const ownWrite = access === "read" || canWrite || row.patient.userId === caller.userId;
  if (!row.visible || !ownWrite) {
    await recordAudit(ctx, {
      action: audit.action,
      resourceType,
      resourceId: patientId,
      outcome: "denied",
      metadata: { reason: "relation" },
    });
    throw new NotFoundError("Patient");
  }
  return row.patient;
}

export { auditEntry };
