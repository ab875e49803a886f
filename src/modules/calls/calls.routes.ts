/**
 * Calls (seed 002 §2.8): `POST /calls/initiate`, `GET /calls/{id}`, `POST /calls/{id}/answer`,
 * `…/decline`, `…/end`, `…/record`, `…/transcribe`, `GET /call-logs`, and the signalling socket
 * `GET /parties/call/{call_id}`.
 */
import { TranscribeQuery } from "../transcriptions/transcriptions.schemas";
import { ErrorSchema, ok, okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonList, jsonOk, z } from "../../lib/openapi";
import { socketToken } from "../../realtime/socket";
import { listCallLogs } from "./calls.logs";
import { recordCall } from "./calls.recording";
import {
  CallIdParam,
  CallLogItem,
  CallLogQuery,
  CallView,
  InitiateCallInput,
  CallTranscription,
  RecordInput,
  RecordResult,
  TranscribeCallInput,
} from "./calls.schemas";
import { transcribeCall } from "./calls.transcribe";
import { actOnCall, getCall, initiateCall } from "./calls.service";
import { socketDescription } from "./calls.socket.docs";
import { connectCallRoom } from "./calls.socket";

const tags = ["calls"];
const BASE = "/api/v1/calls";

const initiateRoute = defineRoute({
  method: "post",
  path: `${BASE}/initiate`,
  auth: "bearer",
  tags,
  summary:
    "Ring one or more people (recipients' streams get call:initiated); accepts Idempotency-Key",
  description:
    "Staff ring staff; a clinician rings a patient from that patient's care team (admins any patient); a patient rings admins and their care team. The call rings for CALL_RING_SECONDS, then is missed. Join the signalling room at `room_url`.",
  request: jsonBody(InitiateCallInput),
  responses: { 201: jsonOk(CallView, "Ringing; a retry with the same Idempotency-Key replays") },
});

const getRoute = defineRoute({
  method: "get",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "A call the caller takes part in: participants, state, recording",
  request: { params: CallIdParam },
  responses: { 200: jsonOk(CallView) },
});

const moveRoute = (verb: "answer" | "decline" | "end", summary: string) =>
  defineRoute({
    method: "post",
    path: `${BASE}/{id}/${verb}`,
    auth: "bearer",
    tags,
    summary,
    request: { params: CallIdParam },
    responses: { 200: jsonOk(CallView) },
  });

const answerRoute = moveRoute("answer", "Answer a ringing call (participants get call:answered)");
const declineRoute = moveRoute("decline", "Decline a ringing call (the last to decline ends it)");
const endRoute = moveRoute("end", "End the call (the caller cancels a ringing one: missed)");

const recordRoute = defineRoute({
  method: "post",
  path: `${BASE}/{id}/record`,
  auth: "bearer",
  tags,
  summary: "Start (with an upload URL for the recording) or stop recording an active call (staff)",
  request: { params: CallIdParam, ...jsonBody(RecordInput) },
  responses: { 200: jsonOk(RecordResult) },
});

const transcribeRoute = defineRoute({
  method: "post",
  path: `${BASE}/{id}/transcribe`,
  auth: "bearer",
  tags,
  summary:
    "Transcribe the call's recording and keep the text on the call (participants); a retry returns the stored text unless ?force=true",
  description:
    "The audio is the call's recording (POST /calls/{id}/record), or `media_id`: a recording uploaded for this call (purpose call_recording, owner { kind: call, id }). 409 when the call has no recording.",
  request: {
    params: CallIdParam,
    query: TranscribeQuery,
    body: {
      required: false,
      content: { "application/json": { schema: TranscribeCallInput } },
    },
  },
  responses: {
    200: jsonOk(CallTranscription, "Already transcribed: the stored transcription"),
    201: jsonOk(CallTranscription, "Transcribed and stored on the call"),
    503: {
      description: "No speech-to-text model reachable (details.reason transcription_unavailable)",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

const logsRoute = defineRoute({
  method: "get",
  path: "/api/v1/call-logs",
  auth: "bearer",
  tags,
  summary: "The caller's call history: filters type, direction, status, from, to",
  request: { query: CallLogQuery },
  responses: { 200: jsonList(CallLogItem) },
});

const socketRoute = defineRoute({
  method: "get",
  path: "/parties/call/{call_id}",
  auth: "socket",
  tags: ["realtime"],
  summary: "Call signalling room (WebSocket): offer, answer, ICE relay to participants only",
  description: socketDescription,
  request: {
    params: z.object({
      call_id: z.uuid().openapi({ param: { name: "call_id", in: "path" } }),
    }),
    query: z.object({
      token: z
        .string()
        .max(4096)
        .optional()
        .openapi({ param: { name: "token", in: "query" }, description: "The access token" }),
    }),
  },
  responses: {
    101: { description: "Switching Protocols: the socket is open and sends `ready`" },
    426: {
      description: "Not a WebSocket upgrade request",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

export const callRoutes = createRouter();

callRoutes.openapi(initiateRoute, async (c) =>
  ok(c, await initiateCall(c.var.ctx, c.req.valid("json")), 201),
);
callRoutes.openapi(getRoute, async (c) =>
  ok(c, await getCall(c.var.ctx, c.req.valid("param").id), 200),
);
callRoutes.openapi(answerRoute, async (c) =>
  ok(c, await actOnCall(c.var.ctx, c.req.valid("param").id, "answer"), 200),
);
callRoutes.openapi(declineRoute, async (c) =>
  ok(c, await actOnCall(c.var.ctx, c.req.valid("param").id, "decline"), 200),
);
callRoutes.openapi(endRoute, async (c) =>
  ok(c, await actOnCall(c.var.ctx, c.req.valid("param").id, "end"), 200),
);
callRoutes.openapi(recordRoute, async (c) =>
  ok(c, await recordCall(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);
callRoutes.openapi(transcribeRoute, async (c) => {
  const { id } = c.req.valid("param");
  const input = c.req.valid("json") ?? {};
  const force = c.req.valid("query").force;
  const { result, created } = await transcribeCall(c.var.ctx, id, input, force);
  return created ? ok(c, result, 201) : ok(c, result, 200);
});
callRoutes.openapi(logsRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await listCallLogs(c.var.ctx, query);
  return okList(c, page.items, {
    page: query.page,
    page_size: page.pageSize,
    total_items: page.total,
    total_pages: Math.ceil(page.total / page.pageSize),
  });
});
callRoutes.openapi(socketRoute, (c) => {
  const token = socketToken(c.req.raw, c.req.valid("query").token);
  return connectCallRoom(c.var.ctx, c.req.raw, c.req.valid("param").call_id, token);
});
