/** Clinicians' weekly working hours and time off, under `/clinicians/{id}`. */
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
import {
  ClinicianParam,
  TimeOff,
  TimeOffInput,
  TimeOffListQuery,
  TimeOffParams,
  WorkingHours,
  WorkingHoursInput,
} from "./availability.schemas";
import {
  createTimeOff,
  deleteTimeOff,
  getWorkingHours,
  listTimeOff,
  setWorkingHours,
} from "./availability.service";

const tags = ["availability"];
const hoursPath = "/api/v1/clinicians/{id}/working-hours";
const timeOffPath = "/api/v1/clinicians/{id}/time-off";

const getHoursRoute = defineRoute({
  method: "get",
  path: hoursPath,
  auth: "bearer",
  tags,
  summary: "A clinician's weekly working hours (staff)",
  request: { params: ClinicianParam },
  responses: { 200: jsonOk(WorkingHours) },
});

const setHoursRoute = defineRoute({
  method: "put",
  path: hoursPath,
  auth: "bearer",
  tags,
  summary: "Replace a clinician's weekly working hours (the clinician or an admin)",
  request: { params: ClinicianParam, ...jsonBody(WorkingHoursInput) },
  responses: { 200: jsonOk(WorkingHours) },
});

const createTimeOffRoute = defineRoute({
  method: "post",
  path: timeOffPath,
  auth: "bearer",
  tags,
  summary: "Add time off (the clinician or an admin)",
  request: { params: ClinicianParam, ...jsonBody(TimeOffInput) },
  responses: { 201: jsonOk(TimeOff, "Created") },
});

const listTimeOffRoute = defineRoute({
  method: "get",
  path: timeOffPath,
  auth: "bearer",
  tags,
  summary: "A clinician's time off (staff)",
  request: { params: ClinicianParam, query: TimeOffListQuery },
  responses: { 200: jsonList(TimeOff) },
});

const deleteTimeOffRoute = defineRoute({
  method: "delete",
  path: `${timeOffPath}/{time_off_id}`,
  auth: "bearer",
  tags,
  summary: "Remove time off (the clinician or an admin)",
  request: { params: TimeOffParams },
  responses: { 204: noContent },
});

export const availabilityRoutes = createRouter();

availabilityRoutes.openapi(getHoursRoute, async (c) =>
  ok(c, await getWorkingHours(c.var.ctx, c.req.valid("param").id), 200),
);

availabilityRoutes.openapi(setHoursRoute, async (c) =>
  ok(c, await setWorkingHours(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

availabilityRoutes.openapi(createTimeOffRoute, async (c) =>
  ok(c, await createTimeOff(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 201),
);

availabilityRoutes.openapi(listTimeOffRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listTimeOff(c.var.ctx, c.req.valid("param").id, query);
  return okList(c, items, paginationOf(query, total));
});

availabilityRoutes.openapi(deleteTimeOffRoute, async (c) => {
  const { id, time_off_id } = c.req.valid("param");
  await deleteTimeOff(c.var.ctx, id, time_off_id);
  return c.body(null, 204);
});
