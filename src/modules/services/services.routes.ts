/** CRUD on `/services` (seed 001): the clinic's catalog of appointment types. */
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
import { requireAuth } from "../../middleware/auth";
import { IdPathParam } from "./services.catalog";
import { Service, ServiceInput, ServiceListQuery, ServiceUpdate } from "./services.schemas";
import {
  createService,
  deleteService,
  getService,
  listServices,
  updateService,
} from "./services.service";

const tags = ["services"];
const path = "/api/v1/services";
const itemPath = `${path}/{id}`;

const createRoute = defineRoute({
  method: "post",
  path,
  tags,
  summary: "Add a service (admin); 409 DUPLICATE_ENTRY when the name is taken",
  request: jsonBody(ServiceInput),
  responses: { 201: jsonOk(Service, "Created") },
});

const listRoute = defineRoute({
  method: "get",
  path,
  tags,
  summary: "List services (staff; patients see active ones)",
  request: { query: ServiceListQuery },
  responses: { 200: jsonList(Service) },
});

const getRoute = defineRoute({
  method: "get",
  path: itemPath,
  tags,
  summary: "One service",
  request: { params: IdPathParam },
  responses: { 200: jsonOk(Service) },
});

const updateRoute = defineRoute({
  method: "put",
  path: itemPath,
  tags,
  summary: "Update a service (admin; partial)",
  request: { params: IdPathParam, ...jsonBody(ServiceUpdate) },
  responses: { 200: jsonOk(Service) },
});

const deleteRoute = defineRoute({
  method: "delete",
  path: itemPath,
  tags,
  summary: "Delete a service (admin): soft when an appointment uses it, hard otherwise",
  request: { params: IdPathParam },
  responses: { 204: noContent },
});

export const servicesRoutes = createRouter();
servicesRoutes.use(path, requireAuth());
servicesRoutes.use(`${path}/*`, requireAuth());

servicesRoutes.openapi(createRoute, async (c) =>
  ok(c, await createService(c.var.ctx, c.req.valid("json")), 201),
);

servicesRoutes.openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listServices(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});

servicesRoutes.openapi(getRoute, async (c) =>
  ok(c, await getService(c.var.ctx, c.req.valid("param").id), 200),
);

servicesRoutes.openapi(updateRoute, async (c) =>
  ok(c, await updateService(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

servicesRoutes.openapi(deleteRoute, async (c) => {
  await deleteService(c.var.ctx, c.req.valid("param").id);
  return c.body(null, 204);
});
