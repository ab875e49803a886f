/**
 * Chats (seed 002 §2.4): `POST/GET /chats`, `GET/PUT/DELETE /chats/{id}`, `POST /chats/{id}/pin`,
 * `POST /chats/{id}/participants`, `DELETE /chats/{id}/participants/{user_id}`.
 */
import { z } from "@hono/zod-openapi";
import { ok, okList } from "../../lib/envelope";
import {
  createRouter,
  defineRoute,
  jsonBody,
  jsonList,
  jsonOk,
  noContent,
} from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import { getChat, listChats } from "./chats.reads";
import { messageRoutes } from "./messages.routes";
import {
  AddParticipantInput,
  Chat,
  ChatDetail,
  ChatGetQuery,
  ChatIdParam,
  ChatListQuery,
  CreateChatInput,
  ParticipantParams,
  UpdateChatInput,
} from "./chats.schemas";
import {
  addParticipant,
  createChat,
  deleteChat,
  removeParticipant,
  togglePin,
  updateChat,
} from "./chats.service";

const tags = ["chats"];
const BASE = "/api/v1/chats";

const create = defineRoute({
  method: "post",
  path: BASE,
  auth: "bearer",
  tags,
  summary:
    "Create a chat (staff); the type constrains participants (family: Family Update only, with the patient's chat scope)",
  request: jsonBody(CreateChatInput),
  responses: { 201: jsonOk(Chat, "Created; the caller is its admin") },
});
const list = defineRoute({
  method: "get",
  path: BASE,
  auth: "bearer",
  tags,
  summary:
    "The caller's chats, most recent first, with last message and unread count (filter type, pinned)",
  request: { query: ChatListQuery },
  responses: { 200: jsonList(Chat) },
});
const get = defineRoute({
  method: "get",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "A chat with participants and a page of messages, newest first (cursor `before_seq`)",
  request: { params: ChatIdParam, query: ChatGetQuery },
  responses: { 200: jsonOk(ChatDetail) },
});
const update = defineRoute({
  method: "put",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "Rename (chat admins) or pin for oneself",
  request: { params: ChatIdParam, ...jsonBody(UpdateChatInput) },
  responses: { 200: jsonOk(ChatDetail) },
});
const pin = defineRoute({
  method: "post",
  path: `${BASE}/{id}/pin`,
  auth: "bearer",
  tags,
  summary: "Pin or unpin the chat for the caller (toggles)",
  request: { params: ChatIdParam },
  responses: {
    200: jsonOk(z.object({ chat_id: z.string(), is_pinned: z.boolean() }).openapi("ChatPin")),
  },
});
const addPerson = defineRoute({
  method: "post",
  path: `${BASE}/{id}/participants`,
  auth: "bearer",
  tags,
  summary: "Add a participant (chat admins; the chat type's rules apply)",
  request: { params: ChatIdParam, ...jsonBody(AddParticipantInput) },
  responses: { 200: jsonOk(ChatDetail) },
});
const removePerson = defineRoute({
  method: "delete",
  path: `${BASE}/{id}/participants/{user_id}`,
  auth: "bearer",
  tags,
  summary: "Remove a participant (chat admins) or leave; their chat sockets close",
  request: { params: ParticipantParams },
  responses: { 204: noContent },
});
const remove = defineRoute({
  method: "delete",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "Delete a chat (soft, chat admins); messages are kept for the record",
  request: { params: ChatIdParam },
  responses: { 204: noContent },
});

export const chatRoutes = createRouter();

chatRoutes.openapi(create, async (c) =>
  ok(c, await createChat(c.var.ctx, c.req.valid("json")), 201),
);
chatRoutes.openapi(list, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listChats(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});
chatRoutes.openapi(get, async (c) =>
  ok(c, await getChat(c.var.ctx, c.req.valid("param").id, c.req.valid("query")), 200),
);
chatRoutes.openapi(update, async (c) =>
  ok(c, await updateChat(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);
chatRoutes.openapi(pin, async (c) =>
  ok(c, await togglePin(c.var.ctx, c.req.valid("param").id), 200),
);
chatRoutes.openapi(addPerson, async (c) =>
  ok(c, await addParticipant(c.var.ctx, c.req.valid("param").id, c.req.valid("json").user_id), 200),
);
chatRoutes.openapi(removePerson, async (c) => {
  const { id, user_id } = c.req.valid("param");
  await removeParticipant(c.var.ctx, id, user_id);
  return c.body(null, 204);
});
chatRoutes.openapi(remove, async (c) => {
  await deleteChat(c.var.ctx, c.req.valid("param").id);
  return c.body(null, 204);
});

chatRoutes.route("/", messageRoutes);
