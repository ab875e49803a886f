/**
 * Exercise sessions (seed 000): `POST/GET /sessions`, `GET/PUT/DELETE /sessions/{id}`,
 * `POST /sessions/{id}/data` (pose frames, chunked), `GET /sessions/{id}/frames`,
 * `POST /sessions/{id}/complete`, and a patient's own list at `GET /patients/sessions`.
 */
import { z } from "@hono/zod-openapi";
import type { HonoRequest } from "hono";
import { ok, okList } from "../../lib/envelope";
import { BadRequestError } from "../../lib/errors";
import {
  createRouter,
  defineRoute,
  jsonBody,
  jsonList,
  jsonOk,
  noContent,
} from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import { FramesQuery, FramesWindow, PoseChunkInput, PoseChunkResult } from "./pose.schemas";
import { parsePoseChunk, type ParsedChunk } from "./pose.validate";
import { parseWireChunk, POSE_CHUNK_MEDIA_TYPE } from "./pose.wire";
import { completeSession } from "./sessions.complete";
import { framesWindow, uploadPoseChunk } from "./sessions.frames";
import { getSession, listOwnSessions, listSessions } from "./sessions.reads";
import {
  CreatedSession,
  CreateSessionInput,
  OwnSessionQuery,
  PoseSummary,
  SessionDetail,
  SessionIdParam,
  SessionListItem,
  SessionQuery,
  SessionStatus,
  SessionSummary,
  SessionView,
  UpdateSessionInput,
} from "./sessions.schemas";
import { createSession, deleteSession, updateSession } from "./sessions.service";

const tags = ["exercise sessions"];

/** The parsed JSON body; a body that is not JSON is a 400 naming it, never a 500. */
async function jsonOf(req: HonoRequest): Promise<unknown> {
  if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(req.header("content-type") ?? "")) {
    throw new BadRequestError(`Send the body as application/json or ${POSE_CHUNK_MEDIA_TYPE}`);
  }
  try {
    return await req.json();
  } catch {
    throw new BadRequestError("The body is not valid JSON");
  }
}

/** A pose chunk from either body: JSON, or the compact binary form (pose.wire.ts). */
async function poseChunkOf(req: HonoRequest): Promise<ParsedChunk> {
  const type = (req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === POSE_CHUNK_MEDIA_TYPE) return parseWireChunk(await req.arrayBuffer());
  return parsePoseChunk(await jsonOf(req));
}

const BASE = "/api/v1/sessions";

const createRoute = defineRoute({
  method: "post",
  path: BASE,
  auth: "bearer",
  tags,
  summary: "Create a session (seed 000 §1): signed video upload URL and the pose data URL",
  request: jsonBody(CreateSessionInput),
  responses: { 201: jsonOk(CreatedSession, "Created; retries with an Idempotency-Key replay") },
});

const listRoute = defineRoute({
  method: "get",
  path: BASE,
  auth: "bearer",
  tags,
  summary: "Sessions the caller may see, newest first (family: summaries only)",
  request: { query: SessionQuery },
  responses: { 200: jsonList(SessionListItem) },
});

const ownRoute = defineRoute({
  method: "get",
  path: "/api/v1/patients/sessions",
  auth: "bearer",
  tags: [...tags, "patients"],
  summary: "The calling patient's own exercise sessions, newest first (seed 000; patients only)",
  request: { query: OwnSessionQuery },
  responses: { 200: jsonList(SessionListItem) },
});

const getRoute = defineRoute({
  method: "get",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "Seed 000 §3 physio view: session, pose_data, review (family: a summary)",
  request: { params: SessionIdParam },
  responses: { 200: jsonOk(z.union([SessionDetail, SessionSummary])) },
});

const updateRoute = defineRoute({
  method: "put",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "Change a session's metadata or status (pending → recording, reviewed → completed)",
  request: { params: SessionIdParam, ...jsonBody(UpdateSessionInput) },
  responses: { 200: jsonOk(SessionView) },
});

const deleteRoute = defineRoute({
  method: "delete",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "Delete a session and its pose data (until it has been reviewed)",
  request: { params: SessionIdParam },
  responses: { 204: noContent },
});

const dataRoute = defineRoute({
  method: "post",
  path: `${BASE}/{id}/data`,
  auth: "bearer",
  tags,
  summary: "Upload a chunk of pose frames (seed 000 §2); a retried chunk is not stored twice",
  // Documented by PoseChunkInput but not run through zod: the handler validates with
  // parsePoseChunk (same rules, no copy of every landmark; pose.validate.ts), or parseWireChunk
  // for the binary form (pose.wire.ts), into the same stored chunk.
  request: {
    params: SessionIdParam,
    body: {
      required: true,
      description:
        "JSON, or the compact binary form (float32 landmarks, about 4x the frames per body; " +
        "layout in docs/exercise-sessions.md)",
      content: {
        "application/json": { schema: { $ref: "#/components/schemas/PoseChunkInput" } },
        [POSE_CHUNK_MEDIA_TYPE]: { schema: { type: "string", format: "binary" } },
      },
    },
  },
  responses: {
    200: jsonOk(PoseChunkResult, "A retry of a stored chunk"),
    201: jsonOk(PoseChunkResult, "Stored"),
  },
});

const framesRoute = defineRoute({
  method: "get",
  path: `${BASE}/{id}/frames`,
  auth: "bearer",
  tags,
  summary: "Stored frames in a time window (offsets in ms from the first frame)",
  request: { params: SessionIdParam, query: FramesQuery },
  responses: { 200: jsonOk(FramesWindow) },
});

const CompletionResult = z
  .object({ session_id: z.string(), status: SessionStatus, pose_data: PoseSummary.nullable() })
  .openapi("SessionCompletion");

const completeRoute = defineRoute({
  method: "post",
  path: `${BASE}/{id}/complete`,
  auth: "bearer",
  tags,
  summary: "End recording and analyse: 200 with the analysis, or 202 when queued (long sessions)",
  request: { params: SessionIdParam },
  responses: {
    200: jsonOk(CompletionResult, "Analysed; the session awaits review"),
    202: jsonOk(CompletionResult, "Queued; the session is processing"),
  },
});

export const sessionRoutes = createRouter();

sessionRoutes.openapi(createRoute, async (c) =>
  ok(c, await createSession(c.var.ctx, c.req.valid("json")), 201),
);

sessionRoutes.openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await listSessions(c.var.ctx, query);
  return okList(c, page.items, paginationOf(query, page.total));
});

sessionRoutes.openapi(ownRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await listOwnSessions(c.var.ctx, query);
  return okList(c, page.items, paginationOf(query, page.total));
});

sessionRoutes.openapi(getRoute, async (c) =>
  ok(c, await getSession(c.var.ctx, c.req.valid("param").id), 200),
);

sessionRoutes.openapi(updateRoute, async (c) =>
  ok(c, await updateSession(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

sessionRoutes.openapi(deleteRoute, async (c) => {
  await deleteSession(c.var.ctx, c.req.valid("param").id);
  return c.body(null, 204);
});

sessionRoutes.openAPIRegistry.register("PoseChunkInput", PoseChunkInput);

sessionRoutes.openapi(dataRoute, async (c) => {
  const chunk = await poseChunkOf(c.req);
  const result = await uploadPoseChunk(c.var.ctx, c.req.valid("param").id, chunk);
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  return result.replayed ? ok(c, result, 200) : ok(c, result, 201);
});

sessionRoutes.openapi(framesRoute, async (c) =>
  ok(c, await framesWindow(c.var.ctx, c.req.valid("param").id, c.req.valid("query")), 200),
);

sessionRoutes.openapi(completeRoute, async (c) => {
  const { queued, result } = await completeSession(c.var.ctx, c.req.valid("param").id);
  return queued ? ok(c, result, 202) : ok(c, result, 200);
});
