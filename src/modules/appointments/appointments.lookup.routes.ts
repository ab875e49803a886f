/**
 * Appointment look-ups on static paths: the conflict check, free slots, and a patient's own
 * appointments (`/patients/appointments`; seed 000's `/patients/sessions` is the patient's
 * exercise sessions, in the sessions module). Mounted before any `{id}` route
 * (`/appointments/{id}`, `/patients/{id}`) so the static segment wins.
 */
import { ok, okList } from "../../lib/envelope";
import { paginationOf } from "../../lib/pagination";
import { createRouter, defineRoute, jsonList, jsonOk } from "../../lib/openapi";
import { findAvailableSlots } from "../availability/availability.free";
import { Slots, SlotsQuery } from "../availability/availability.schemas";
import { checkConflicts, listOwnAppointments } from "./appointments.queries";
import {
  Appointment,
  ConflictQuery,
  ConflictResult,
  OwnAppointmentsQuery,
} from "./appointments.schemas";

const conflictsRoute = defineRoute({
  method: "get",
  path: "/api/v1/appointments/conflicts",
  auth: "bearer",
  tags: ["appointments"],
  summary: "Would this interval overlap an appointment of the clinician or the patient? (staff)",
  request: { query: ConflictQuery },
  responses: { 200: jsonOk(ConflictResult) },
});

const slotsRoute = defineRoute({
  method: "get",
  path: "/api/v1/appointments/available-slots",
  auth: "bearer",
  tags: ["appointments", "availability"],
  summary: "A clinician's free slots (working hours minus appointments and time off; ≤ 31 days)",
  request: { query: SlotsQuery },
  responses: { 200: jsonOk(Slots) },
});

const ownAppointmentsRoute = defineRoute({
  method: "get",
  path: "/api/v1/patients/appointments",
  auth: "bearer",
  tags: ["appointments", "patients"],
  summary: "The calling patient's own appointments, past and upcoming (patients only)",
  request: { query: OwnAppointmentsQuery },
  responses: { 200: jsonList(Appointment) },
});

export const appointmentLookupRoutes = createRouter();

appointmentLookupRoutes.openapi(conflictsRoute, async (c) =>
  ok(c, await checkConflicts(c.var.ctx, c.req.valid("query")), 200),
);

appointmentLookupRoutes.openapi(slotsRoute, async (c) =>
  ok(c, await findAvailableSlots(c.var.ctx, c.req.valid("query")), 200),
);

appointmentLookupRoutes.openapi(ownAppointmentsRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listOwnAppointments(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});
