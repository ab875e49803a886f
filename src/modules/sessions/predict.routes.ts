/**
 * Motion prediction (seed 004): `POST /predict`, `GET /videos/{id}`,
 * `GET /videos/patient/{patient_id}`, `GET /predict/exercise/{exercise_id}/videos`.
 */
import { ok, okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonList, jsonOk } from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import {
  PredictInput,
  Prediction,
  Video,
  VideoExerciseParam,
  VideoIdParam,
  VideoPatientParam,
  VideoQuery,
} from "./predict.schemas";
import {
  getVideo,
  listAssignmentVideos,
  listPatientVideos,
  predictMotion,
} from "./predict.service";

const tags = ["motion prediction"];

const predictRoute = defineRoute({
  method: "post",
  path: "/api/v1/predict",
  auth: "bearer",
  tags,
  summary: "Classify the exercise a session's frames show; is_match against the assignment",
  request: jsonBody(PredictInput),
  responses: { 201: jsonOk(Prediction) },
});

const videoRoute = defineRoute({
  method: "get",
  path: "/api/v1/videos/{id}",
  auth: "bearer",
  tags,
  summary: "A session's video with its latest prediction",
  request: { params: VideoIdParam },
  responses: { 200: jsonOk(Video) },
});

const patientVideosRoute = defineRoute({
  method: "get",
  path: "/api/v1/videos/patient/{patient_id}",
  auth: "bearer",
  tags,
  summary: "A patient's videos with predictions, newest first",
  request: { params: VideoPatientParam, query: VideoQuery },
  responses: { 200: jsonList(Video) },
});

const assignmentVideosRoute = defineRoute({
  method: "get",
  path: "/api/v1/predict/exercise/{exercise_id}/videos",
  auth: "bearer",
  tags,
  summary: "Videos recorded for an exercise assignment",
  request: { params: VideoExerciseParam, query: VideoQuery },
  responses: { 200: jsonList(Video) },
});

export const predictRoutes = createRouter();

predictRoutes.openapi(predictRoute, async (c) =>
  ok(c, await predictMotion(c.var.ctx, c.req.valid("json")), 201),
);

// The static `patient/` path before `{id}`.
predictRoutes.openapi(patientVideosRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await listPatientVideos(c.var.ctx, c.req.valid("param").patient_id, query);
  return okList(c, page.items, paginationOf(query, page.total));
});

predictRoutes.openapi(videoRoute, async (c) =>
  ok(c, await getVideo(c.var.ctx, c.req.valid("param").id), 200),
);

predictRoutes.openapi(assignmentVideosRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await listAssignmentVideos(c.var.ctx, c.req.valid("param").exercise_id, query);
  return okList(c, page.items, paginationOf(query, page.total));
});
