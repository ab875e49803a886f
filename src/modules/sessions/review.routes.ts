/**
 * Review and analytics (seed 000): `GET /physio/patients`, `GET /physio/sessions`,
 * `POST /physio/reviews`, `GET /physio/analytics`, `GET /patients/{id}/progress` and
 * `GET /patients/{id}/progress.svg`.
 */
import { z } from "@hono/zod-openapi";
import { ok, okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonList, jsonOk } from "../../lib/openapi";
import { PageQuery, paginationOf } from "../../lib/pagination";
import { patientProgress, physioAnalytics } from "./analytics.service";
import { progressSvg } from "./progress.svg";
import {
  Analytics,
  AnalyticsQuery,
  CreateReviewInput,
  PatientIdParam,
  PhysioPatient,
  ProgressQuery,
  ReviewQueueQuery,
} from "./review.schemas";
import { listPhysioPatients, reviewQueue, submitReview } from "./review.service";
import { SessionListItem, SessionReviewView } from "./sessions.schemas";

const tags = ["review and analytics"];

const patientsRoute = defineRoute({
  method: "get",
  path: "/api/v1/physio/patients",
  auth: "bearer",
  tags,
  summary: "Patients the caller follows, with session and pending-review counts",
  request: { query: PageQuery },
  responses: { 200: jsonList(PhysioPatient) },
});

const queueRoute = defineRoute({
  method: "get",
  path: "/api/v1/physio/sessions",
  auth: "bearer",
  tags,
  summary: "Sessions needing review among the caller's patients",
  request: { query: ReviewQueueQuery },
  responses: { 200: jsonList(SessionListItem) },
});

const ReviewResult = z
  .object({ session_id: z.string(), status: z.literal("reviewed"), review: SessionReviewView })
  .openapi("SessionReviewResult");

const reviewRoute = defineRoute({
  method: "post",
  path: "/api/v1/physio/reviews",
  auth: "bearer",
  tags,
  summary: "Review a session (seed 000 §4); one per session, moves it to reviewed",
  request: jsonBody(CreateReviewInput),
  responses: { 201: jsonOk(ReviewResult) },
});

const analyticsRoute = defineRoute({
  method: "get",
  path: "/api/v1/physio/analytics",
  auth: "bearer",
  tags,
  summary: "Range of motion, repetitions, quality and adherence over time per patient and exercise",
  request: { query: AnalyticsQuery },
  responses: { 200: jsonOk(Analytics) },
});

const ProgressSchema = Analytics.extend({ patient_id: z.string() }).openapi("PatientProgress");

const progressRoute = defineRoute({
  method: "get",
  path: "/api/v1/patients/{id}/progress",
  auth: "bearer",
  tags,
  summary: "A patient's progress per exercise (JSON)",
  request: { params: PatientIdParam, query: ProgressQuery },
  responses: { 200: jsonOk(ProgressSchema) },
});

const progressSvgRoute = defineRoute({
  method: "get",
  path: "/api/v1/patients/{id}/progress.svg",
  auth: "bearer",
  tags,
  summary: "A patient's progress as an SVG chart for reports",
  request: { params: PatientIdParam, query: ProgressQuery },
  responses: {
    200: { description: "SVG chart", content: { "image/svg+xml": { schema: z.string() } } },
  },
});

export const reviewRoutes = createRouter();

reviewRoutes.openapi(patientsRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await listPhysioPatients(c.var.ctx, query);
  return okList(c, page.items, paginationOf(query, page.total));
});

reviewRoutes.openapi(queueRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await reviewQueue(c.var.ctx, query);
  return okList(c, page.items, paginationOf(query, page.total));
});

reviewRoutes.openapi(reviewRoute, async (c) =>
  ok(c, await submitReview(c.var.ctx, c.req.valid("json")), 201),
);

reviewRoutes.openapi(analyticsRoute, async (c) =>
  ok(c, await physioAnalytics(c.var.ctx, c.req.valid("query")), 200),
);

reviewRoutes.openapi(progressRoute, async (c) =>
  ok(c, await patientProgress(c.var.ctx, c.req.valid("param").id, c.req.valid("query")), 200),
);

reviewRoutes.openapi(progressSvgRoute, async (c) => {
  const progress = await patientProgress(c.var.ctx, c.req.valid("param").id, c.req.valid("query"));
  return c.body(progressSvg(progress), 200, {
    "Content-Type": "image/svg+xml; charset=utf-8",
    "Content-Disposition": 'inline; filename="progress.svg"',
  });
});
