/**
 * Who may reach a call, and whom a caller may ring.
 *
 * Invariants: a call is reachable only by its participants, in its workspace; anyone else (an
 * unknown id, another workspace, a colleague not on the call) gets the same 404, audited, so a
 * call's existence never leaks. Family members take no part in calls (403 on the role, before any
 * lookup). Whom one may ring follows the patient policy: staff ring staff; a clinician rings a
 * patient only from that patient's care team (admins any patient); a patient rings admins and
 * their own care team; a call has at most one patient.
 */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { callParticipants, calls } from "../../db/schema/calls";
import { careTeamMembers, patients } from "../../db/schema/patients";
import { users, type Role } from "../../db/schema/users";
import { recordAudit, type AuditAction } from "../../lib/audit";
import {
  NotFoundError,
  UnauthorizedError,
  ValidationError,
  type FieldIssue,
} from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { isStaff, requirePermission, type Permission } from "../../policy/policy";
import type { Line } from "./calls.state";

export type CallRow = typeof calls.$inferSelect;
export type CallLine = Line & { answeredAt: string | null; leftAt: string | null };

export const RESOURCE = "call";

/** The reads of a call and all its lines in a workspace, for one `ctx.db.read` round trip. */
export function callReads(ctx: RequestContext, workspaceId: string, callId: string) {
  return [
    ctx.db.orm
      .select()
      .from(calls)
      .where(and(eq(calls.id, callId), eq(calls.workspaceId, workspaceId)))
      .limit(1),
    ctx.db.orm
      .select({
        userId: callParticipants.userId,
        role: callParticipants.role,
        state: callParticipants.state,
        answeredAt: callParticipants.answeredAt,
        leftAt: callParticipants.leftAt,
      })
      .from(callParticipants)
      .where(
        and(eq(callParticipants.callId, callId), eq(callParticipants.workspaceId, workspaceId)),
      ),
  ] as const;
}

/**
 * Loads a call the caller takes part in, with every line, in one round trip. Checks the role
 * first (403, the same for every id), then the relation (404, audited, as for an unknown id).
 */
export async function accessCall(
  ctx: RequestContext,
  callId: string,
  action: AuditAction,
  permission: Permission = "calls.use",
): Promise<{ call: CallRow; lines: CallLine[] }> {
  const caller = await requirePermission(ctx, permission, {
    action,
    resourceType: RESOURCE,
    resourceId: callId,
  });
  const [callRows, lineRows] = await ctx.db.read(callReads(ctx, caller.workspaceId, callId));
  const call = callRows[0];
  const member = lineRows.some((l) => l.userId === caller.userId);
  if (!call || !member) {
    await recordAudit(ctx, {
      action,
      resourceType: RESOURCE,
      resourceId: callId,
      outcome: call ? "denied" : "not_found",
      metadata: call ? { reason: "relation", patient_id: call.patientId } : null,
    });
    throw new NotFoundError("Call");
  }
  return { call, lines: lineRows };
}

export type Recipient = { id: string; role: Role; nameEnc: string; patientId: string | null };

/**
 * Checks whom the caller may ring (see the module comment) and returns them with, when a patient
 * takes part, that patient's record id. Throws 422 naming each refused `recipient_ids.N`.
 */
export async function checkRecipients(
  ctx: RequestContext,
  ids: string[],
): Promise<{ recipients: Recipient[]; patientId: string | null; callerNameEnc: string }> {
  const caller = callerOf(ctx);
  const everyone = [caller.userId, ...ids];
  // The caller's own patient record, if they are a patient: its care team may be rung.
  const ownRecord = sql`(select ${patients.id} from ${patients} where ${patients.userId} = ${caller.userId}
    and ${patients.workspaceId} = ${caller.workspaceId} and ${patients.deletedAt} is null limit 1)`;
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({
        id: users.id,
        role: users.role,
        nameEnc: users.nameEnc,
        patientId: sql<
          string | null
        >`(select p.id from ${patients} p where p.user_id = "users"."id" and p.workspace_id = ${caller.workspaceId} and p.deleted_at is null limit 1)`.as(
          "patient_record_id",
        ),
        // Caller (staff) on the care team of this user's patient record.
        iTreat:
          sql<number>`exists (select 1 from ${careTeamMembers} c join ${patients} p on p.id = c.patient_id
          where p.user_id = "users"."id" and c.user_id = ${caller.userId})`
            .mapWith(Number)
            .as("i_treat"),
        // This user (staff) on the care team of the caller's own patient record.
        treatsMe:
          sql<number>`exists (select 1 from ${careTeamMembers} c where c.patient_id = ${ownRecord}
          and c.user_id = "users"."id")`
            .mapWith(Number)
            .as("treats_me"),
      })
      .from(users)
      .where(
        and(
          inArray(users.id, everyone),
          eq(users.workspaceId, caller.workspaceId),
          isNull(users.deletedAt),
          eq(users.isActive, true),
        ),
      ),
  ]);
  const found = new Map(rows.map((r) => [r.id, r]));
  const me = found.get(caller.userId);
  if (!me) throw new UnauthorizedError("Your account is not active");
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    const user = found.get(id);
    const field = `recipient_ids.${i}`;
    let problem: string | null = null;
    if (id === caller.userId) problem = "You cannot call yourself";
    else if (seen.has(id)) problem = "Listed twice";
    else if (!user) problem = "No such user in this workspace";
    else if (user.role === "family") problem = "Family members take no part in calls";
    else if (user.role === "patient" && caller.role === "patient")
      problem = "Patients call their care team";
    else if (user.role === "patient" && caller.role !== "admin" && !user.iTreat)
      problem = "Only the patient's care team or an admin calls a patient";
    else if (caller.role === "patient" && user.role !== "admin" && !user.treatsMe)
      problem = "Patients call admins and their own care team";
    seen.add(id);
    if (problem) issues.push({ field, message: problem });
  });
  if (issues.length) throw new ValidationError(issues);
  const recipients = ids.map((id) => found.get(id)!);
  const patientsInCall = [me, ...recipients].filter((u) => u.role === "patient");
  if (patientsInCall.length > 1) {
    throw new ValidationError([
      { field: "recipient_ids", message: "A call has at most one patient" },
    ]);
  }
  return {
    recipients: recipients.map((r) => ({
      id: r.id,
      role: r.role,
      nameEnc: r.nameEnc,
      patientId: r.patientId,
    })),
    patientId: patientsInCall[0]?.patientId ?? null,
    callerNameEnc: me.nameEnc,
  };
}

export const staffRole = (role: string) => isStaff(role as Role);

/**
 * Of `userIds`, those who may still be on the call's socket: their line is ringing or joined
 * (a declined, missed or left line has no socket), their account is active, and, when their
 * place on a call with a patient came from the patient relation (they rang the patient, or the
 * patient rang them), that relation holds now (admins: any patient; clinicians: the care team).
 */
export async function callAudience(
  db: D1Database,
  callId: string,
  userIds: string[],
): Promise<Set<string>> {
  const unique = [...new Set(userIds)].slice(0, 90); // D1 binds at most 100 values
  if (unique.length === 0) return new Set();
  const rows = await db
    .prepare(
      `select cp.user_id as id from call_participants cp
       join calls c on c.id = cp.call_id
       join users u on u.id = cp.user_id
       left join patients pt on pt.id = c.patient_id
       where cp.call_id = ? and cp.user_id in (${unique.map(() => "?").join(", ")})
         and cp.state in ('ringing', 'joined')
         and u.is_active = 1 and u.deleted_at is null and u.workspace_id = c.workspace_id
         and (c.patient_id is null or u.role in ('admin', 'patient')
           or (c.created_by <> cp.user_id and c.created_by <> pt.user_id)
           or (pt.deleted_at is null and exists (select 1 from care_team_members ct
             where ct.patient_id = c.patient_id and ct.user_id = cp.user_id)))`,
    )
    .bind(callId, ...unique)
    .all<{ id: string }>();
  return new Set(rows.results.map((r) => r.id));
}
