/**
 * Chats (seed 002 §1.7–1.9): a chat, its participants, its messages.
 *
 * Invariants: every row carries `workspace_id`. Chat names (they name patients), SMS numbers and
 * message bodies are patient data: stored only encrypted (`*_enc`, bound to table, column and row).
 * Messages are ordered by a per-chat `seq` that the chat's Durable Object gives out (unique per
 * chat, so two writers could never both take one); `chats.last_seq` is the last one taken, kept in
 * the same batch as the message. A sender's `client_message_id` is unique per chat, so a resend
 * after a lost acknowledgement finds the first message instead of writing a second one. Nothing is
 * hard-deleted: chats, participants and messages carry `deleted_at` / `removed_at`. An edit keeps
 * the first body in `original_body_enc`. Read state is a per-participant cursor (`last_read_seq`).
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, flag, id, timestamp, updatedAt, workspaceId } from "./columns";

export const CHAT_TYPES = [
  "Direct",
  "Care Team",
  "Family Update",
  "Internal Staff",
  "Broadcast",
  "SMS",
] as const;
export type ChatType = (typeof CHAT_TYPES)[number];

export const MESSAGE_TYPES = ["text", "file", "voice", "system"] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const chats = sqliteTable(
  "chats",
  {
    id: id(),
    workspaceId: workspaceId(),
    type: text("type").$type<ChatType>().notNull(),
    nameEnc: text("name_enc").notNull(),
    patientId: text("patient_id"),
    phoneEnc: text("phone_enc"),
    createdBy: text("created_by").notNull(),
    lastSeq: integer("last_seq").notNull().default(0),
    lastMessageId: text("last_message_id"),
    lastMessageAt: timestamp("last_message_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp("deleted_at"),
  },
  (t) => [
    index("chats_workspace_patient").on(t.workspaceId, t.patientId),
    index("chats_workspace_type").on(t.workspaceId, t.type),
  ],
);

export const chatParticipants = sqliteTable(
  "chat_participants",
  {
    id: id(),
    workspaceId: workspaceId(),
    chatId: text("chat_id").notNull(),
    userId: text("user_id").notNull(),
    isAdmin: flag("is_admin").notNull().default(false),
    isPinned: flag("is_pinned").notNull().default(false),
    lastReadSeq: integer("last_read_seq").notNull().default(0),
    joinedAt: text("joined_at").notNull(),
    removedAt: timestamp("removed_at"),
  },
  (t) => [
    uniqueIndex("chat_participants_chat_user").on(t.chatId, t.userId),
    index("chat_participants_user")
      .on(t.userId, t.chatId)
      .where(sql`${t.removedAt} is null`),
  ],
);

export const chatMessages = sqliteTable(
  "chat_messages",
  {
    id: id(),
    workspaceId: workspaceId(),
    chatId: text("chat_id").notNull(),
    seq: integer("seq").notNull(),
    senderId: text("sender_id").notNull(),
    type: text("type").$type<MessageType>().notNull(),
    bodyEnc: text("body_enc"),
    originalBodyEnc: text("original_body_enc"),
    mediaId: text("media_id"),
    voiceSeconds: integer("voice_seconds"),
    clientMessageId: text("client_message_id"),
    /** A voice message's transcript (transcripts row) and its text, encrypted (seed 002 §1.9). */
    transcriptId: text("transcript_id"),
    transcriptionEnc: text("transcription_enc"),
    transcribedAt: timestamp("transcribed_at"),
    createdAt: createdAt(),
    editedAt: timestamp("edited_at"),
    deletedAt: timestamp("deleted_at"),
  },
  (t) => [
    uniqueIndex("chat_messages_chat_seq").on(t.chatId, t.seq),
    uniqueIndex("chat_messages_client_id")
      .on(t.chatId, t.senderId, t.clientMessageId)
      .where(sql`${t.clientMessageId} is not null`),
  ],
);
