/** The exercise catalog: `GET /exercise-types`, `GET /exercise-types/{id}`, admin `POST`/`PUT`. */
import { ok, okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonList, jsonOk } from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import {
  CreateExerciseTypeInput,
  ExerciseType,
  ExerciseTypeIdParam,
  ExerciseTypeQuery,
  UpdateExerciseTypeInput,
} from "./exercise-types.schemas";
import {
  createExerciseType,
  getExerciseType,
  listExerciseTypes,
  updateExerciseType,
} from "./exercise-types.service";

const tags = ["exercise catalog"];
const BASE = "/api/v1/exercise-types";

const listRoute = defineRoute({
  method: "get",
  path: BASE,
  auth: "bearer",
  tags,
  summary: "The workspace's exercise catalog (filter by category and difficulty)",
  request: { query: ExerciseTypeQuery },
  responses: { 200: jsonList(ExerciseType) },
});

const getRoute = defineRoute({
  method: "get",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "One exercise type with its movement-analysis parameters",
  request: { params: ExerciseTypeIdParam },
  responses: { 200: jsonOk(ExerciseType) },
});

const createTypeRoute = defineRoute({
  method: "post",
  path: BASE,
  auth: "bearer",
  tags,
  summary: "Add an exercise type (admin); 409 when the name or slug is taken",
  request: jsonBody(CreateExerciseTypeInput),
  responses: { 201: jsonOk(ExerciseType, "Created") },
});

const updateRoute = defineRoute({
  method: "put",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "Change an exercise type (admin); partial, `analysis` replaced whole",
  request: { params: ExerciseTypeIdParam, ...jsonBody(UpdateExerciseTypeInput) },
  responses: { 200: jsonOk(ExerciseType) },
});

export const exerciseTypeRoutes = createRouter();

exerciseTypeRoutes.openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listExerciseTypes(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});

exerciseTypeRoutes.openapi(getRoute, async (c) =>
  ok(c, await getExerciseType(c.var.ctx, c.req.valid("param").id), 200),
);

exerciseTypeRoutes.openapi(createTypeRoute, async (c) =>
  ok(c, await createExerciseType(c.var.ctx, c.req.valid("json")), 201),
);

exerciseTypeRoutes.openapi(updateRoute, async (c) =>
  ok(c, await updateExerciseType(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);
