/**
 * CRUD on `/appointments` (seed 001), with the calendar filters. The static look-ups
 * (`/appointments/conflicts`, `/appointments/available-slots`, `/patients/appointments`) are mounted
 * first, so they win over `/appointments/{id}`.
 */
import { ok, okList } from "../../lib/envelope";
import { paginationOf } from "../../lib/pagination";
import {
  createRouter,
  defineRoute,
  jsonBody,
  jsonList,
  jsonOk,
  noContent,
} from "../../lib/openapi";
import { IdParam } from "../../lib/openapi";
import { appointmentLookupRoutes } from "./appointments.lookup.routes";
import { getAppointment, listAppointments } from "./appointments.queries";
import {
  Appointment,
  AppointmentInput,
  AppointmentListQuery,
  AppointmentUpdate,
} from "./appointments.schemas";
import { createAppointment, deleteAppointment, updateAppointment } from "./appointments.service";

const tags = ["appointments"];
const path = "/api/v1/appointments";
const itemPath = `${path}/{id}`;

const createRoute = defineRoute({
  method: "post",
  path,
  auth: "bearer",
  tags,
  summary: "Book an appointment (staff); 409 CONFLICT lists overlapping appointments",
  request: jsonBody(AppointmentInput),
  responses: { 201: jsonOk(Appointment, "Booked") },
});

const listRoute = defineRoute({
  method: "get",
  path,
  auth: "bearer",
  tags,
  summary: "Appointments the caller may see, by date range (calendar), patient, clinician, status",
  request: { query: AppointmentListQuery },
  responses: { 200: jsonList(Appointment) },
});

const getRoute = defineRoute({
  method: "get",
  path: itemPath,
  auth: "bearer",
  tags,
  summary: "One appointment",
  request: { params: IdParam() },
  responses: { 200: jsonOk(Appointment) },
});

const updateRoute = defineRoute({
  method: "put",
  path: itemPath,
  auth: "bearer",
  tags,
  summary: "Update an appointment (staff; partial); re-checks overlaps, 409 on conflict",
  request: { params: IdParam(), ...jsonBody(AppointmentUpdate) },
  responses: { 200: jsonOk(Appointment) },
});

const deleteRoute = defineRoute({
  method: "delete",
  path: itemPath,
  auth: "bearer",
  tags,
  summary: "Delete an appointment (staff)",
  request: { params: IdParam() },
  responses: { 204: noContent },
});

export const appointmentsRoutes = createRouter();
appointmentsRoutes.route("/", appointmentLookupRoutes);

appointmentsRoutes.openapi(createRoute, async (c) =>
  ok(c, await createAppointment(c.var.ctx, c.req.valid("json")), 201),
);

appointmentsRoutes.openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listAppointments(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});

appointmentsRoutes.openapi(getRoute, async (c) =>
  ok(c, await getAppointment(c.var.ctx, c.req.valid("param").id), 200),
);

appointmentsRoutes.openapi(updateRoute, async (c) =>
  ok(c, await updateAppointment(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

appointmentsRoutes.openapi(deleteRoute, async (c) => {
  await deleteAppointment(c.var.ctx, c.req.valid("param").id);
  return c.body(null, 204);
});
