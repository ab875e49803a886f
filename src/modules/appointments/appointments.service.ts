/**
 * Creating, changing and deleting appointments: staff only (`scheduling.manage`), for patients the
 * caller may write (`accessPatient`), with an active clinician of the workspace. Every write that
 * holds a slot goes through the clinician's calendar object (appointments.booking.ts); an overlap
 * answers 409 CONFLICT listing the conflicting appointments (ids and times only) and is audited as
 * a failed write.
 */
import { checkClinicianAvailability } from "./appointments.availability";
import { and, eq } from "drizzle-orm";
import { appointments, type AppointmentRow } from "../../db/schema/scheduling";
import { auditEntry, auditRow, recordAudit, type AuditInput } from "../../lib/audit";
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, requirePermission } from "../../policy/policy";
import { clinicianQuery, loadAppointment, redactConflicts } from "./appointments.access";
import { bookingAudit, bookThroughCalendar, type BookingPlan } from "./appointments.booking";
import {
  activeLocationQuery,
  activeServiceQuery,
  addMinutes,
  appointmentByIdQuery,
  encryptAppointmentText,
  intervalIssues,
  minutesBetween,
  presentAppointment,
  toUtc,
} from "./appointments.data";
import type { AppointmentInput, AppointmentUpdate } from "./appointments.schemas";

const present = (ctx: RequestContext, row: AppointmentRow) =>
  presentAppointment(ctx.phi, row, { notes: true });

const issue = (when: unknown, field: string, message: string): FieldIssue[] =>
  when ? [{ field, message }] : [];

/** Books through the calendar object; throws 409 (audited) on overlap, 404 if the row vanished. */
async function book(
  ctx: RequestContext,
  kind: BookingPlan["kind"],
  row: AppointmentRow,
  values: BookingPlan["values"],
  audit: AuditInput,
) {
  const entry = await auditRow(ctx, audit);
  const outcome = await bookThroughCalendar(ctx, {
    kind,
    appointmentId: row.id,
    workspaceId: row.workspaceId,
    clinicianId: row.clinicianId,
    patientId: row.patientId,
    start: row.scheduledStart,
    end: row.scheduledEnd,
    blocking: row.status !== "cancelled",
    values,
    audit: bookingAudit(ctx.db.orm, entry, row.id, values.updatedAt),
  });
  if (outcome.status === "missing") throw new NotFoundError("Appointment");
  if (outcome.status === "conflict") {
    const n = outcome.conflicts.length;
    await recordAudit(ctx, { ...audit, outcome: "failure", metadata: { conflicts: n } });
    throw new ConflictError("The time overlaps another appointment of this clinician or patient", {
      conflicting_appointments: await redactConflicts(ctx, outcome.conflicts),
    });
  }
  return outcome.status;
}

/** A retried create (same client id): the first result, if it is the same booking. */
async function replay(ctx: RequestContext, existing: AppointmentRow, input: AppointmentInput) {
  const same =
    existing.workspaceId === callerOf(ctx).workspaceId &&
    existing.patientId === input.patient_id &&
    existing.clinicianId === input.clinician_id &&
    existing.scheduledStart === toUtc(input.scheduled_start);
  if (!same) {
    throw new ConflictError("This appointment id is already used", [
      { field: "id", message: "Already used" },
    ]);
  }
  await recordAudit(ctx, {
    action: "appointment.read",
    resourceType: "appointment",
    resourceId: existing.id,
    metadata: { replay: true },
  });
  return present(ctx, existing);
}

/** Books an appointment; `scheduled_end` defaults to the service's duration. */
export async function createAppointment(ctx: RequestContext, input: AppointmentInput) {
  const audit = { action: "appointment.created", resourceType: "appointment" } as const;
  await requirePermission(ctx, "scheduling.manage", audit);
  await accessPatient(ctx, input.patient_id, "write", audit);
  const caller = callerOf(ctx);
  const ws = caller.workspaceId;
  const [clinician, service, location, existing] = await ctx.db.read([
    clinicianQuery(ctx, ws, input.clinician_id),
    activeServiceQuery(ctx, ws, input.service_id ?? ""),
    activeLocationQuery(ctx, ws, input.location_id ?? ""),
    appointmentByIdQuery(ctx, input.id ?? ""),
  ]);
  if (existing[0]) return replay(ctx, existing[0], input);
  const start = toUtc(input.scheduled_start);
  const minutes = service[0]?.defaultDurationMinutes;
  const end = input.scheduled_end
    ? toUtc(input.scheduled_end)
    : minutes
      ? addMinutes(start, minutes)
      : null;
  const issues = [
    ...issue(!clinician[0], "clinician_id", "Not an active clinician of this workspace"),
    ...issue(input.service_id && !service[0], "service_id", "No such active service"),
    ...issue(input.location_id && !location[0], "location_id", "No such active location"),
    ...(end
      ? intervalIssues(start, end)
      : issue(true, "scheduled_end", "Required unless a service gives the duration")),
  ];
  if (issues.length > 0) throw new ValidationError(issues);
  const id = input.id ?? uuidv7();
  const now = new Date().toISOString();
  const row: AppointmentRow = {
    id,
    workspaceId: ws,
    patientId: input.patient_id,
    clinicianId: input.clinician_id,
    serviceId: input.service_id ?? null,
    locationId: input.location_id ?? null,
    scheduledStart: start,
    scheduledEnd: end!,
    locationType: input.location_type ?? location[0]?.locationType ?? "clinic",
    locationDetailsEnc: null,
    status: input.status,
    notesEnc: null,
    createdBy: caller.userId,
    createdAt: now,
    updatedAt: now,
    ...(await encryptAppointmentText(ctx.phi, id, input)),
  };
  const overridden = await checkClinicianAvailability(ctx, {
    clinicianId: row.clinicianId,
    start,
    end: row.scheduledEnd,
    blocking: row.status !== "cancelled",
    override: input.override_time_off,
    audit: { ...audit, resourceId: id },
  });
  const metadata = {
    patient_id: row.patientId,
    clinician_id: row.clinicianId,
    status: row.status,
    ...overridden,
  };
  const status = await book(ctx, "insert", row, row, { ...audit, resourceId: id, metadata });
  if (status === "exists") {
    const [again] = await ctx.db.read([appointmentByIdQuery(ctx, id)]);
    if (!again[0]) {
      throw new ConflictError("This id is already in use", [
        { field: "id", message: "Choose another id" },
      ]);
    }
    return replay(ctx, again[0], input);
  }
  return present(ctx, row);
}

/** Changes an appointment and re-checks overlaps (excluding itself). Moving only the start keeps the length. */
export async function updateAppointment(ctx: RequestContext, id: string, input: AppointmentUpdate) {
  const audit = {
    action: "appointment.updated",
    resourceType: "appointment",
    resourceId: id,
  } as const;
  await requirePermission(ctx, "scheduling.manage", audit);
  const current = await loadAppointment(ctx, id, audit.action);
  const ws = callerOf(ctx).workspaceId;
  const patientId = input.patient_id ?? current.patientId;
  if (patientId !== current.patientId) await accessPatient(ctx, patientId, "write", audit);
  const clinicianId = input.clinician_id ?? current.clinicianId;
  const newClinician = clinicianId !== current.clinicianId;
  const newService = input.service_id !== undefined && input.service_id !== current.serviceId;
  const newLocation = input.location_id !== undefined && input.location_id !== current.locationId;
  const [clinician, service, location] = await ctx.db.read([
    clinicianQuery(ctx, ws, newClinician ? clinicianId : ""),
    activeServiceQuery(ctx, ws, newService ? (input.service_id ?? "") : ""),
    activeLocationQuery(ctx, ws, newLocation ? (input.location_id ?? "") : ""),
  ]);
  const start = input.scheduled_start ? toUtc(input.scheduled_start) : current.scheduledStart;
  const end = input.scheduled_end
    ? toUtc(input.scheduled_end)
    : newService && service[0]
      ? addMinutes(start, service[0].defaultDurationMinutes)
      : addMinutes(start, minutesBetween(current.scheduledStart, current.scheduledEnd));
  const issues = [
    ...issue(
      newClinician && !clinician[0],
      "clinician_id",
      "Not an active clinician of this workspace",
    ),
    ...issue(newService && input.service_id && !service[0], "service_id", "No such active service"),
    ...issue(
      newLocation && input.location_id && !location[0],
      "location_id",
      "No such active location",
    ),
    ...intervalIssues(start, end),
  ];
  if (issues.length > 0) throw new ValidationError(issues);
  const values = {
    patientId,
    clinicianId,
    serviceId: input.service_id !== undefined ? input.service_id : current.serviceId,
    locationId: input.location_id !== undefined ? input.location_id : current.locationId,
    scheduledStart: start,
    scheduledEnd: end,
    locationType:
      input.location_type ??
      (newLocation ? location[0]?.locationType : undefined) ??
      current.locationType,
    status: input.status ?? current.status,
    updatedAt: new Date().toISOString(),
    ...(await encryptAppointmentText(ctx.phi, id, input)),
  };
  const row = { ...current, ...values };
  const moved = start !== current.scheduledStart || end !== current.scheduledEnd || newClinician;
  const overridden = await checkClinicianAvailability(ctx, {
    clinicianId,
    start,
    end,
    // Only a change of time or clinician (or a revived cancellation) is checked again.
    blocking: row.status !== "cancelled" && (moved || current.status === "cancelled"),
    override: input.override_time_off,
    audit,
  });
  const metadata = { fields: Object.keys(input), ...overridden };
  await book(ctx, "update", row, values, { ...audit, metadata });
  return present(ctx, row);
}

/** Deletes an appointment (staff who may see it); the audit log keeps the trace. */
export async function deleteAppointment(ctx: RequestContext, id: string) {
  const audit = {
    action: "appointment.deleted",
    resourceType: "appointment",
    resourceId: id,
  } as const;
  await requirePermission(ctx, "scheduling.manage", audit);
  const current = await loadAppointment(ctx, id, audit.action);
  const metadata = { patient_id: current.patientId, clinician_id: current.clinicianId };
  await ctx.db.write([
    ctx.db.orm
      .delete(appointments)
      .where(and(eq(appointments.id, id), eq(appointments.workspaceId, current.workspaceId))),
    (await auditEntry(ctx, { ...audit, metadata })).query,
  ]);
}
