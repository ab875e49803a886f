/**
 * Messages of a chat room socket (`/api/v1/chats/{id}/ws`), checked at runtime.
 * Invariant: anything that does not parse as `ChatRoomIn` answers an `error` event; the socket stays.
 */
import { z } from "zod";

const ClientId = z.string().regex(/^[A-Za-z0-9._:-]{8,64}$/, "8-64 letters, digits, . _ : -");

/** As `SendMessageInput` (HTTP), with the client id required: a socket send must be retryable. */
const SendData = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("text"),
    content: z.string().trim().min(1).max(8000),
    client_message_id: ClientId,
  }),
  z.object({
    type: z.literal("file"),
    media_id: z.uuid(),
    content: z.string().trim().min(1).max(8000).optional(),
    client_message_id: ClientId,
  }),
  z.object({
    type: z.literal("voice"),
    media_id: z.uuid(),
    voice_seconds: z.number().int().min(1).max(900),
    client_message_id: ClientId,
  }),
]);

export const ChatRoomIn = z.discriminatedUnion("event", [
  z.object({ event: z.literal("message:send"), data: SendData }),
  z.object({ event: z.literal("typing"), data: z.object({ is_typing: z.boolean() }) }),
  z.object({ event: z.literal("read"), data: z.object({ seq: z.number().int().min(0) }) }),
  z.object({
    event: z.literal("ping"),
    data: z.object({ id: z.string().max(64).optional() }).optional(),
  }),
]);
export type ChatRoomIn = z.infer<typeof ChatRoomIn>;

/** What the room sends: its replies and the chat's live events. */
export type ChatRoomOut = {
  event:
    | "ready"
    | "pong"
    | "error"
    | "message:ack"
    | "message:received"
    | "message:updated"
    | "message:deleted"
    | "message:read"
    | "user:typing";
  data: unknown;
};
