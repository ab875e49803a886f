/**
 * Messages (seed 002 §2.5) and the chat socket: `POST /chats/{id}/messages`,
 * `POST /chats/{id}/messages/read-all`, `GET/PUT/DELETE /messages/{id}`, `POST /messages/{id}/read`,
 * `POST /messages/{id}/transcribe`, `GET /chats/{id}/ws`.
 */
import { TranscribeQuery } from "../transcriptions/transcriptions.schemas";
import { ok } from "../../lib/envelope";
import { ErrorSchema } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk, noContent } from "../../lib/openapi";
import { WsQuery } from "../realtime/realtime.schemas";
import { socketToken } from "../../realtime/socket";
import { IdempotencyHeaders } from "../exercises/exercises.schemas";
import {
  ChatIdParam,
  EditMessageInput,
  Message,
  MessageIdParam,
  MessageTranscription,
  ReadResult,
  SendMessageInput,
} from "./chats.schemas";
import { transcribeMessage } from "./messages.transcribe";
import {
  connectChat,
  deleteMessage,
  editMessage,
  getMessage,
  readAllMessages,
  readMessage,
  sendMessage,
} from "./messages.service";

const tags = ["messages"];

const send = defineRoute({
  method: "post",
  path: "/api/v1/chats/{id}/messages",
  auth: "bearer",
  tags,
  summary:
    "Send a message; stored before 201, then fanned out. `client_message_id` / Idempotency-Key make a resend harmless",
  request: { params: ChatIdParam, headers: IdempotencyHeaders, ...jsonBody(SendMessageInput) },
  responses: {
    200: jsonOk(Message, "A resend: the message first stored (Idempotent-Replayed: true)"),
    201: jsonOk(Message, "Stored"),
  },
});
const readAll = defineRoute({
  method: "post",
  path: "/api/v1/chats/{id}/messages/read-all",
  auth: "bearer",
  tags,
  summary: "Mark every message of the chat read",
  request: { params: ChatIdParam },
  responses: { 200: jsonOk(ReadResult) },
});
const getOne = defineRoute({
  method: "get",
  path: "/api/v1/messages/{id}",
  auth: "bearer",
  tags,
  summary: "One message",
  request: { params: MessageIdParam },
  responses: { 200: jsonOk(Message) },
});
const edit = defineRoute({
  method: "put",
  path: "/api/v1/messages/{id}",
  auth: "bearer",
  tags,
  summary: "Edit one's own text message (the original is kept; `edited_at` set)",
  request: { params: MessageIdParam, ...jsonBody(EditMessageInput) },
  responses: { 200: jsonOk(Message) },
});
const remove = defineRoute({
  method: "delete",
  path: "/api/v1/messages/{id}",
  auth: "bearer",
  tags,
  summary: "Delete a message (soft; its sender or a chat admin)",
  request: { params: MessageIdParam },
  responses: { 204: noContent },
});
const read = defineRoute({
  method: "post",
  path: "/api/v1/messages/{id}/read",
  auth: "bearer",
  tags,
  summary: "Mark the chat read up to this message (read receipt)",
  request: { params: MessageIdParam },
  responses: { 200: jsonOk(ReadResult) },
});

const transcribe = defineRoute({
  method: "post",
  path: "/api/v1/messages/{id}/transcribe",
  auth: "bearer",
  tags,
  summary:
    "Transcribe a voice message and keep the text on it (participants get message:updated); a retry returns the stored text unless ?force=true",
  request: { params: MessageIdParam, query: TranscribeQuery },
  responses: {
    200: jsonOk(MessageTranscription, "Already transcribed: the stored transcription"),
    201: jsonOk(MessageTranscription, "Transcribed and stored on the message"),
    503: {
      description: "No speech-to-text model reachable (details.reason transcription_unavailable)",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

const socketDescription = `WebSocket of one chat, for its participants only (checked before the
upgrade; others get 404). Authenticate like \`/ws\` (subprotocols \`rehab.v1, bearer.<token>\`,
\`?token=\` or \`Authorization\`). Frames are JSON \`{ "event", "data" }\`.

Client to server: \`message:send\` (\`{ type: "text", content, client_message_id }\`, answered by
\`message:ack\` \`{ client_message_id, replayed, message }\` once stored in D1; resending the same
\`client_message_id\` returns the same message), \`typing\` (\`{ is_typing }\`), \`read\` (\`{ seq }\`),
\`ping\`. Server to client: \`ready\`, \`message:ack\`, \`message:received\`, \`message:updated\`,
\`message:deleted\`, \`message:read\`, \`user:typing\`, \`pong\`, \`error\` (\`{ code, message,
details?, client_message_id? }\`: the socket stays open). Messages carry a per-chat \`seq\`; a
client that missed some pages them with \`GET /chats/{id}?before_seq=\` or replays its user stream.
A removed participant's sockets close with 4003; an ended session's with 4001.`;

const socket = defineRoute({
  method: "get",
  path: "/api/v1/chats/{id}/ws",
  auth: "socket",
  tags,
  summary: "Chat room socket (WebSocket): message:send/ack, typing, read; live chat events",
  description: socketDescription,
  request: { params: ChatIdParam, query: WsQuery.pick({ token: true }) },
  responses: {
    101: { description: "Switching Protocols: the socket is open and sends `ready`" },
    426: {
      description: "Not a WebSocket upgrade",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

export const messageRoutes = createRouter();

messageRoutes.openapi(socket, async (c) => {
  const token = socketToken(c.req.raw, c.req.valid("query").token);
  return connectChat(c.var.ctx, c.req.raw, c.req.valid("param").id, token);
});
messageRoutes.openapi(send, async (c) => {
  const key = c.req.valid("header")["idempotency-key"];
  const result = await sendMessage(c.var.ctx, c.req.valid("param").id, c.req.valid("json"), key);
  if (result.replayed) {
    c.header("Idempotent-Replayed", "true");
    return ok(c, result.message, 200);
  }
  return ok(c, result.message, 201);
});
messageRoutes.openapi(readAll, async (c) =>
  ok(c, await readAllMessages(c.var.ctx, c.req.valid("param").id), 200),
);
messageRoutes.openapi(getOne, async (c) =>
  ok(c, await getMessage(c.var.ctx, c.req.valid("param").id), 200),
);
messageRoutes.openapi(edit, async (c) =>
  ok(c, await editMessage(c.var.ctx, c.req.valid("param").id, c.req.valid("json").content), 200),
);
messageRoutes.openapi(remove, async (c) => {
  await deleteMessage(c.var.ctx, c.req.valid("param").id);
  return c.body(null, 204);
});
messageRoutes.openapi(read, async (c) =>
  ok(c, await readMessage(c.var.ctx, c.req.valid("param").id), 200),
);
messageRoutes.openapi(transcribe, async (c) => {
  const { id } = c.req.valid("param");
  const { result, created } = await transcribeMessage(c.var.ctx, id, c.req.valid("query").force);
  return created ? ok(c, result, 201) : ok(c, result, 200);
});
