/**
 * Reading appointments: the calendar list, one appointment, the conflict check, and a patient's
 * own sessions. Lists and the conflict check are ONE D1 round trip each: the session check, the
 * count, the page and the audit entry ride in the same batch. Every query is scoped by the
 * caller's workspace and by `appointmentVisibility`.
 */
import { and, asc, desc, eq, gt, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import { careTeamMembers } from "../../db/schema/patients";
import { appointments, MAX_APPOINTMENT_MINUTES } from "../../db/schema/scheduling";
import { recordAudit } from "../../lib/audit";
import { queueAudit } from "../../lib/audit-queue";
import { ValidationError } from "../../lib/errors";
import { offsetOf, type PageQuery } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { accessPatient, isStaff, requirePermission } from "../../policy/policy";
import { appointmentVisibility, loadAppointment, redactConflicts } from "./appointments.access";
import {
  conflictQuery,
  overlapCondition,
  type ConflictRow,
  type OverlapProbe,
} from "./appointments.booking";
import {
  addMinutes,
  boundOf,
  decryptListed,
  intervalIssues,
  listColumns,
  presentAppointment,
  toUtc,
} from "./appointments.data";
import type {
  AppointmentItem,
  AppointmentListQuery,
  ConflictQuery,
  OwnAppointmentsQuery,
} from "./appointments.schemas";

const listed = { action: "appointment.listed", resourceType: "appointment" } as const;

/**
 * Count and page of a filtered list in one round trip; its audit entry goes to the queue before
 * the answer (no D1 write on the read path). The page's rows are D1's own objects under the
 * response's keys (`listColumns`), decrypted in place: each row is mapped once. Only the fields shown are decrypted: notes only when
 * asked for (`notes`), and for staff; the notes ciphertext is not even read otherwise.
 */
async function pageOf(
  ctx: RequestContext,
  where: SQL,
  query: PageQuery,
  order: SQL[],
  metadata: Record<string, unknown>,
  wantNotes = true,
) {
  const notes = wantNotes && isStaff(callerOf(ctx).role);
  const [count, rows] = await ctx.db.read([
    ctx.db.orm
      .select({ n: sql<number>`count(*)` })
      .from(appointments)
      .where(where),
    ctx.db.rows<AppointmentItem>(
      ctx.db.orm
        .select(listColumns(notes))
        .from(appointments)
        .where(where)
        .orderBy(...order)
        .limit(query.page_size)
        .offset(offsetOf(query)),
    ),
  ]);
  await queueAudit(ctx, { ...listed, metadata: { ...metadata, notes } });
  return { items: await decryptListed(ctx.phi, rows), total: count[0]?.n ?? 0 };
}

/**
 * The calendar view: appointments overlapping [start_date, end_date), filtered by patient,
 * clinician and status, that the caller may see (a patient's own; a clinician's care-team
 * patients and own appointments; family with the `appointments` scope; admins all).
 */
export async function listAppointments(ctx: RequestContext, query: AppointmentListQuery) {
  const caller = callerOf(ctx);
  const from = query.start_date ? boundOf(query.start_date, "start") : undefined;
  const to = query.end_date ? boundOf(query.end_date, "end") : undefined;
  if (from && to && from >= to) {
    throw new ValidationError([{ field: "end_date", message: "Must be after start_date" }]);
  }
  const where = and(
    appointmentVisibility(caller),
    to ? lt(appointments.scheduledStart, to) : undefined,
    from ? gt(appointments.scheduledEnd, from) : undefined,
    from ? gt(appointments.scheduledStart, addMinutes(from, -MAX_APPOINTMENT_MINUTES)) : undefined,
    query.patient_id ? eq(appointments.patientId, query.patient_id) : undefined,
    query.clinician_id ? eq(appointments.clinicianId, query.clinician_id) : undefined,
    query.status ? eq(appointments.status, query.status) : undefined,
  )!;
  const filters = [
    "start_date",
    "end_date",
    "patient_id",
    "clinician_id",
    "status",
    "include",
  ].filter((k) => query[k as keyof AppointmentListQuery] !== undefined);
  const order = [asc(appointments.scheduledStart), asc(appointments.id)];
  const metadata = { filters, page: query.page };
  return pageOf(ctx, where, query, order, metadata, query.include === "notes");
}

/** One appointment the caller may see (audited read). */
export async function getAppointment(ctx: RequestContext, id: string) {
  const row = await loadAppointment(ctx, id, "appointment.read");
  await recordAudit(ctx, {
    action: "appointment.read",
    resourceType: "appointment",
    resourceId: id,
  });
  return presentAppointment(ctx.phi, row, { notes: isStaff(callerOf(ctx).role) });
}

/**
 * Would [scheduled_start, scheduled_end) overlap a non-cancelled appointment of the clinician or
 * the patient? Staff only; a patient filter needs read access to that patient.
 */
export async function checkConflicts(ctx: RequestContext, query: ConflictQuery) {
  const caller = await requirePermission(ctx, "scheduling.manage", listed);
  const start = toUtc(query.scheduled_start);
  const end = toUtc(query.scheduled_end);
  const issues = [
    ...intervalIssues(start, end),
    ...(query.clinician_id || query.patient_id
      ? []
      : [{ field: "clinician_id", message: "Give clinician_id, patient_id or both" }]),
  ];
  if (issues.length > 0) throw new ValidationError(issues);
  if (query.patient_id && caller.role !== "admin") {
    await accessPatient(ctx, query.patient_id, "read", { ...listed });
  }
  const probe = {
    workspaceId: caller.workspaceId,
    start,
    end,
    clinicianId: query.clinician_id,
    patientId: query.patient_id,
    excludeId: query.exclude_appointment_id,
  };
  const metadata = {
    purpose: "conflict_check",
    clinician_id: query.clinician_id ?? null,
    patient_id: query.patient_id ?? null,
  };
  // The caller's care-team patients among the conflicts ride in the same round trip, so the
  // redaction needs no second one.
  const [rows, team] = await ctx.db.read([
    ctx.db.rows<ConflictRow>(conflictQuery(ctx.db.orm, probe)),
    careTeamAmong(ctx, caller, probe),
  ]);
  const conflicting = await redactConflicts(ctx, rows, new Set(team.map((t) => t.patientId)));
  await queueAudit(ctx, { ...listed, metadata });
  return { has_conflict: rows.length > 0, conflicting_appointments: conflicting };
}

/** Patients of the probe's overlapping appointments on whose care team the caller is. */
const careTeamAmong = (ctx: RequestContext, caller: Caller, probe: OverlapProbe) =>
  ctx.db.orm
    .select({ patientId: careTeamMembers.patientId })
    .from(careTeamMembers)
    .where(
      and(
        eq(careTeamMembers.workspaceId, caller.workspaceId),
        eq(careTeamMembers.userId, caller.userId),
        inArray(
          careTeamMembers.patientId,
          ctx.db.orm
            .select({ id: appointments.patientId })
            .from(appointments)
            .where(overlapCondition(probe)),
        ),
      ),
    );

/** The calling patient's own appointments, upcoming, past or all (newest first unless upcoming). */
export async function listOwnAppointments(ctx: RequestContext, query: OwnAppointmentsQuery) {
  const caller = await requirePermission(ctx, "appointments.own", listed);
  const now = new Date().toISOString();
  const where = and(
    appointmentVisibility(caller),
    query.when === "upcoming" ? gte(appointments.scheduledStart, now) : undefined,
    query.when === "past" ? lt(appointments.scheduledStart, now) : undefined,
    query.status ? eq(appointments.status, query.status) : undefined,
  )!;
  const order =
    query.when === "upcoming"
      ? [asc(appointments.scheduledStart), asc(appointments.id)]
      : [desc(appointments.scheduledStart), desc(appointments.id)];
  return pageOf(ctx, where, query, order, { purpose: "own_appointments", when: query.when });
}
