/**
 * The one access policy, used by every route and every socket.
 *
 * - Workspace: every query is scoped by the caller's workspace; another workspace's object is a 404.
 * - Role: permissions below; a role without the permission gets 403 (and an audited denial).
 * - Relation to a patient: admins see the whole workspace; clinicians the patients on whose care
 *   team they are; a patient their own record; family what a patient shared with them (by scope).
 *   Staff outside the relation get 403; patients and family get 404, so they learn nothing of
 *   other patients' existence.
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
  "clinical_notes.write": CLINICIAN_ROLES,
  "clinical_notes.purge": ["admin"],
  "clinical_notes.settings": ["admin"],
  "scribe.use": CLINICIAN_ROLES,
  "sms.send": STAFF_ROLES,
  "sms.read": STAFF_ROLES,
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
 * throws on denial: 404 for another workspace or an unknown id, 403 or 404 by role (see above).
 * `write` additionally requires a staff role; family never writes.
 */
export async function accessPatient(
  ctx: RequestContext,
  patientId: string,
  access: PatientAccess,
  audit: { action: AuditAction; resourceType?: string; scope?: FamilyScope },
) {
  const caller = callerOf(ctx);
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
  const resourceType = audit.resourceType ?? "patient";
  if (!row) {
    await recordAudit(ctx, {
      action: audit.action,
      resourceType,
      resourceId: patientId,
      outcome: "not_found",
    });
    throw new NotFoundError("Patient");
  }
  const writeDenied = access === "write" && !hasPermission(caller.role, "patients.write_clinical");
  const ownProfileWrite =
    access === "write" && caller.role === "patient" && row.patient.userId === caller.userId;
  if (!row.visible || (writeDenied && !ownProfileWrite)) {
    await recordAudit(ctx, {
      action: audit.action,
      resourceType,
      resourceId: patientId,
      outcome: "denied",
      metadata: { reason: row.visible ? "role" : "relation" },
    });
    if (isStaff(caller.role) || row.visible) throw new ForbiddenError();
    throw new NotFoundError("Patient");
  }
  return row.patient;
}

export { auditEntry };
