/** Request and response schemas of chats and messages (seed 002 §2.4–2.5, snake_case). */
import { z } from "@hono/zod-openapi";
import { CHAT_TYPES } from "../../db/schema/chats";

export const ChatType = z.enum(CHAT_TYPES).openapi("ChatType");

export const ChatIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
export const ParticipantParams = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
  user_id: z.uuid().openapi({ param: { name: "user_id", in: "path" } }),
});
export const MessageIdParam = ChatIdParam;

/** A client-chosen id that makes a resend harmless. */
export const ClientMessageId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,64}$/, "8-64 letters, digits, . _ : -")
  .openapi({ example: "0190f1a2-7c3e-7b44-9a1d-2f1e5c3d4b6a" });

export const CreateChatInput = z
  .object({
    name: z.string().trim().min(1).max(255),
    type: ChatType,
    patient_id: z.uuid().optional(),
    participant_ids: z.array(z.uuid()).min(1).max(200),
    phone_number: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, "E.164, e.g. +15551234567")
      .optional(),
  })
  .openapi("CreateChatInput");
export type CreateChatInput = z.infer<typeof CreateChatInput>;

export const UpdateChatInput = z
  .object({
    name: z.string().trim().min(1).max(255).optional(),
    is_pinned: z.boolean().optional(),
  })
  .refine((v) => v.name !== undefined || v.is_pinned !== undefined, {
    message: "Give name or is_pinned",
    path: ["name"],
  })
  .openapi("UpdateChatInput");
export type UpdateChatInput = z.infer<typeof UpdateChatInput>;

export const AddParticipantInput = z.object({ user_id: z.uuid() }).openapi("AddParticipantInput");

export const ChatListQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
  type: ChatType.optional(),
  pinned: z.enum(["true", "false"]).optional(),
});
export type ChatListQuery = z.infer<typeof ChatListQuery>;

export const ChatGetQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before_seq: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .openapi({ description: "Cursor: messages older than this seq (use `next_before_seq`)" }),
});
export type ChatGetQuery = z.infer<typeof ChatGetQuery>;

export const SendMessageInput = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("text"),
      content: z.string().trim().min(1).max(8000),
      client_message_id: ClientMessageId.optional(),
    }),
    z.object({
      type: z.literal("file"),
      media_id: z.uuid().openapi({
        description: "An uploaded `chat_file` (owner `{ kind: chat, id }`) of the sender",
      }),
      content: z.string().trim().min(1).max(8000).optional().openapi({ description: "Caption" }),
      client_message_id: ClientMessageId.optional(),
    }),
    z.object({
      type: z.literal("voice"),
      media_id: z.uuid().openapi({
        description: "An uploaded `voice_message` (owner `{ kind: chat, id }`) of the sender",
      }),
      voice_seconds: z.number().int().min(1).max(900),
      client_message_id: ClientMessageId.optional(),
    }),
  ])
  .openapi("SendMessageInput");
export type SendMessageInput = z.infer<typeof SendMessageInput>;

export const EditMessageInput = z
  .object({ content: z.string().trim().min(1).max(8000) })
  .openapi("EditMessageInput");

export const Participant = z
  .object({
    user_id: z.string(),
    role: z.string(),
    is_admin: z.boolean(),
    joined_at: z.string(),
  })
  .openapi("ChatParticipant");

export const Message = z
  .object({
    id: z.string(),
    chat_id: z.string(),
    seq: z.number().int(),
    sender: z.object({ id: z.string() }),
    type: z.string(),
    content: z.string().nullable(),
    media_id: z
      .string()
      .nullable()
      .openapi({ description: "File or voice: download via GET /media/{id}/download-url" }),
    voice_seconds: z.number().int().nullable(),
    transcription: z.string().nullable().openapi({
      description: "A voice message's transcript (POST /messages/{id}/transcribe), else null",
    }),
    transcribed_at: z.string().nullable(),
    client_message_id: z.string().nullable(),
    created_at: z.string(),
    edited_at: z.string().nullable(),
    deleted_at: z.string().nullable(),
    is_read: z.boolean(),
  })
  .openapi("ChatMessage");
export type Message = z.infer<typeof Message>;

export const Chat = z
  .object({
    id: z.string(),
    name: z.string(),
    type: ChatType,
    patient_id: z.string().nullable(),
    phone_number: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    is_pinned: z.boolean(),
    unread_count: z.number().int(),
    last_seq: z.number().int(),
    last_message: z.string().nullable(),
    last_message_time: z.string().nullable(),
  })
  .openapi("Chat");
export type Chat = z.infer<typeof Chat>;

export const ChatDetail = Chat.extend({
  participants: z.array(Participant),
  messages: z.array(Message),
  next_before_seq: z.number().int().nullable(),
}).openapi("ChatDetail");

export const ReadResult = z
  .object({ chat_id: z.string(), last_read_seq: z.number().int(), read_at: z.string() })
  .openapi("ChatReadResult");

/** Seed 002 §2.5 `POST /messages/{id}/transcribe`: the message's stored transcription. */
export const MessageTranscription = z
  .object({
    message_id: z.string(),
    chat_id: z.string(),
    transcript_id: z.string().openapi({ description: "GET /transcriptions/{id}: timed spans" }),
    transcription: z.string(),
    duration: z.string().nullable().openapi({ example: "5.2s" }),
    duration_seconds: z.number().nullable(),
    transcribed_at: z.string(),
  })
  .openapi("MessageTranscription");
export type MessageTranscription = z.infer<typeof MessageTranscription>;
