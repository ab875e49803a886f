/**
 * Who may reach which appointment, as SQL (lists) and as a checked load (one record).
 *
 * - admin: every appointment of the workspace;
 * - clinicians: appointments of the patients on their care team, and their own appointments;
 * - patient: their own; family: those of patients who shared the `appointments` scope.
 * Like `accessPatient`, a denial is audited and answers 404 to every role, exactly like an id
 * that exists nowhere, so nobody learns which appointment ids are real. Writes need a staff role (checked first
 * with `requirePermission(ctx, "scheduling.manage", …)`).
 */
import { and, eq, exists, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { careTeamMembers, patients } from "../../db/schema/patients";
import { appointments, type AppointmentRow } from "../../db/schema/scheduling";
import { users } from "../../db/schema/users";
import { recordAudit, type AuditAction } from "../../lib/audit";
import { NotFoundError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { CLINICIAN_ROLES, isClinician, patientVisibility } from "../../policy/policy";

/** SQL condition on the `appointments` row: the caller may see it (workspace scoping included). */
export function appointmentVisibility(caller: Caller): SQL {
  const inWorkspace = eq(appointments.workspaceId, caller.workspaceId);
  if (caller.role === "admin") return inWorkspace;
  const viaPatient = exists(
    sql`(select 1 from ${patients} where ${patients.id} = ${appointments.patientId}
      and ${patients.deletedAt} is null and ${patientVisibility(caller, "appointments")})`,
  );
  if (isClinician(caller.role)) {
    return and(inWorkspace, or(eq(appointments.clinicianId, caller.userId), viaPatient))!;
  }
  return and(inWorkspace, viaPatient)!;
}

/**
 * Loads one appointment the caller may reach, in one round trip (with the session check).
 * Audits and throws on denial: 404 for another workspace, an unknown id, or outside the relation.
 */
export async function loadAppointment(
  ctx: RequestContext,
  id: string,
  action: AuditAction,
): Promise<AppointmentRow> {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({
        appointment: appointments,
        visible: sql<number>`(${appointmentVisibility(caller)})`,
      })
      .from(appointments)
      .where(and(eq(appointments.id, id), eq(appointments.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  const row = rows[0];
  const target = { action, resourceType: "appointment", resourceId: id };
  if (!row) {
    await recordAudit(ctx, { ...target, outcome: "not_found" });
    throw new NotFoundError("Appointment");
  }
  if (!row.visible) {
    await recordAudit(ctx, { ...target, outcome: "denied", metadata: { reason: "relation" } });
    throw new NotFoundError("Appointment");
  }
  return row.appointment;
}

/** An active clinician user of the caller's workspace (for `.limit(1)` reads in a batch). */
export const clinicianQuery = (ctx: RequestContext, workspaceId: string, clinicianId: string) =>
  ctx.db.orm
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(
      and(
        eq(users.id, clinicianId),
        eq(users.workspaceId, workspaceId),
        inArray(users.role, [...CLINICIAN_ROLES]),
        eq(users.isActive, true),
        isNull(users.deletedAt),
      ),
    )
    .limit(1);

type Conflict = { patient_id: string | null; clinician_id: string } & Record<string, unknown>;

/**
 * Conflicting appointments as the caller may see them: times and clinician always (a booking
 * needs to know the slot is taken), the patient only where the caller may see that patient
 * (admin, the appointment's own clinician, or a member of the patient's care team). Redacts
 * `rows` in place (they are the response items) and returns them.
 */
export async function redactConflicts<T extends Conflict>(
  ctx: RequestContext,
  rows: T[],
  /** The caller's care-team patients among `rows`, when already read (saves a round trip). */
  knownTeam?: ReadonlySet<string>,
): Promise<T[]> {
  const caller = callerOf(ctx);
  if (caller.role === "admin" || rows.length === 0) return rows;
  const visible = knownTeam ?? (await careTeamOf(ctx, caller, rows));
  for (const r of rows) {
    if (r.clinician_id !== caller.userId && !(r.patient_id && visible.has(r.patient_id))) {
      r.patient_id = null;
    }
  }
  return rows;
}

async function careTeamOf(ctx: RequestContext, caller: Caller, rows: Conflict[]) {
  const patientIds = [...new Set(rows.map((r) => r.patient_id).filter((id): id is string => !!id))];
  const [team] = await ctx.db.read([
    ctx.db.orm
      .select({ patientId: careTeamMembers.patientId })
      .from(careTeamMembers)
      .where(
        and(
          eq(careTeamMembers.workspaceId, caller.workspaceId),
          eq(careTeamMembers.userId, caller.userId),
          inArray(careTeamMembers.patientId, patientIds),
        ),
      ),
  ]);
  return new Set(team.map((t) => t.patientId));
}
