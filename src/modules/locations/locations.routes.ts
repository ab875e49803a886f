/** CRUD on `/locations` (seed 001): where appointments happen (clinic, home, online). */
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
import { IdPathParam } from "../services/services.catalog";
import { Location, LocationInput, LocationListQuery, LocationUpdate } from "./locations.schemas";
import {
  createLocation,
  deleteLocation,
  getLocation,
  listLocations,
  updateLocation,
} from "./locations.service";

const tags = ["locations"];
const path = "/api/v1/locations";
const itemPath = `${path}/{id}`;

const createRoute = defineRoute({
  method: "post",
  path,
  tags,
  summary:
    "Add a location (admin); 409 on a taken name, 422 when a clinic or home lacks an address",
  request: jsonBody(LocationInput),
  responses: { 201: jsonOk(Location, "Created") },
});

const listRoute = defineRoute({
  method: "get",
  path,
  tags,
  summary: "List locations (staff), filtered by is_active and location_type",
  request: { query: LocationListQuery },
  responses: { 200: jsonList(Location) },
});

const getRoute = defineRoute({
  method: "get",
  path: itemPath,
  tags,
  summary: "One location",
  request: { params: IdPathParam },
  responses: { 200: jsonOk(Location) },
});

const updateRoute = defineRoute({
  method: "put",
  path: itemPath,
  tags,
  summary: "Update a location (admin; partial)",
  request: { params: IdPathParam, ...jsonBody(LocationUpdate) },
  responses: { 200: jsonOk(Location) },
});

const deleteRoute = defineRoute({
  method: "delete",
  path: itemPath,
  tags,
  summary: "Delete a location (admin): soft when an appointment uses it, hard otherwise",
  request: { params: IdPathParam },
  responses: { 204: noContent },
});

export const locationsRoutes = createRouter();
locationsRoutes.use(path, requireAuth());
locationsRoutes.use(`${path}/*`, requireAuth());

locationsRoutes.openapi(createRoute, async (c) =>
  ok(c, await createLocation(c.var.ctx, c.req.valid("json")), 201),
);

locationsRoutes.openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listLocations(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});

locationsRoutes.openapi(getRoute, async (c) =>
  ok(c, await getLocation(c.var.ctx, c.req.valid("param").id), 200),
);

locationsRoutes.openapi(updateRoute, async (c) =>
  ok(c, await updateLocation(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

locationsRoutes.openapi(deleteRoute, async (c) => {
  await deleteLocation(c.var.ctx, c.req.valid("param").id);
  return c.body(null, 204);
});
