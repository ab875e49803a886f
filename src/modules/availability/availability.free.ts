/**
 * `GET /appointments/available-slots`: a clinician's free slots over at most 31 days, from their
 * working hours minus non-cancelled appointments and time off. One D1 round trip; no patient data
 * in the answer (only free times), so staff and patients may ask.
 */
import { and, eq, gt, lt, ne } from "drizzle-orm";
import {
  appointments,
  clinicianTimeOff,
  MAX_APPOINTMENT_MINUTES,
} from "../../db/schema/scheduling";
import { ValidationError } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import { clinicianQuery } from "../appointments/appointments.access";
import { activeServiceQuery, addMinutes } from "../appointments/appointments.data";
import { MAX_SLOT_RANGE_DAYS, type SlotsQuery } from "./availability.schemas";
import { presentWorkingHours, workingHoursQuery } from "./availability.service";
import { freeSlots } from "./availability.slots";

const DEFAULT_MINUTES = 60;

/** Free slots of a clinician, honouring the service duration, working hours, bookings and time off. */
export async function findAvailableSlots(ctx: RequestContext, q: SlotsQuery) {
  const caller = await requirePermission(ctx, "slots.read", {
    action: "availability.read",
    resourceType: "availability",
    resourceId: q.clinician_id,
  });
  const days = (Date.parse(q.date_to) - Date.parse(q.date_from)) / 86_400_000 + 1;
  if (!(days >= 1)) {
    throw new ValidationError([{ field: "date_to", message: "Must not be before date_from" }]);
  }
  if (days > MAX_SLOT_RANGE_DAYS) {
    const message = `The range is at most ${MAX_SLOT_RANGE_DAYS} days`;
    throw new ValidationError([{ field: "date_to", message }]);
  }
  // Local dates in any zone fall within a day of their UTC dates.
  const from = addMinutes(`${q.date_from}T00:00:00.000Z`, -24 * 60);
  const to = addMinutes(`${q.date_to}T00:00:00.000Z`, 48 * 60);
  const ws = caller.workspaceId;
  const [clinician, hours, timeOff, booked, service] = await ctx.db.read([
    clinicianQuery(ctx, ws, q.clinician_id),
    workingHoursQuery(ctx, ws, q.clinician_id),
    ctx.db.orm
      .select({ start: clinicianTimeOff.startsAt, end: clinicianTimeOff.endsAt })
      .from(clinicianTimeOff)
      .where(
        and(
          eq(clinicianTimeOff.workspaceId, ws),
          eq(clinicianTimeOff.clinicianId, q.clinician_id),
          lt(clinicianTimeOff.startsAt, to),
          gt(clinicianTimeOff.endsAt, from),
        ),
      ),
    ctx.db.orm
      .select({ start: appointments.scheduledStart, end: appointments.scheduledEnd })
      .from(appointments)
      .where(
        and(
          eq(appointments.clinicianId, q.clinician_id),
          eq(appointments.workspaceId, ws),
          ne(appointments.status, "cancelled"),
          lt(appointments.scheduledStart, to),
          gt(appointments.scheduledStart, addMinutes(from, -MAX_APPOINTMENT_MINUTES)),
          gt(appointments.scheduledEnd, from),
        ),
      ),
    activeServiceQuery(ctx, ws, q.service_id ?? ""),
  ]);
  const issues = [
    ...(clinician[0]
      ? []
      : [{ field: "clinician_id", message: "Not an active clinician of this workspace" }]),
    ...(q.service_id && !service[0]
      ? [{ field: "service_id", message: "No such active service" }]
      : []),
  ];
  if (issues.length > 0) throw new ValidationError(issues);
  const duration = service[0]?.defaultDurationMinutes ?? q.duration_minutes ?? DEFAULT_MINUTES;
  const slots = freeSlots({
    dateFrom: q.date_from,
    dateTo: q.date_to,
    windows: presentWorkingHours(hours),
    busy: [...timeOff, ...booked],
    durationMinutes: duration,
    stepMinutes: q.step_minutes,
    notBefore: Date.now(),
  });
  return {
    clinician_id: q.clinician_id,
    service_id: q.service_id ?? null,
    duration_minutes: duration,
    step_minutes: q.step_minutes,
    date_from: q.date_from,
    date_to: q.date_to,
    slots,
  };
}
