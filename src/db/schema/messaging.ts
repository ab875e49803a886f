/**
 * Outbound email and SMS. Every message is stored (encrypted) before it is acknowledged, then
 * delivered from the queue: to the configured provider, or, with none configured, held in the
 * development outbox that an admin can read. Nothing is silently dropped.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, id, timestamp } from "./columns";

export const outboundMessages = sqliteTable(
  "outbound_messages",
  {
    id: id(),
    workspaceId: text("workspace_id"),
    channel: text("channel", { enum: ["email", "sms"] }).notNull(),
    template: text("template").notNull(),
    recipientEnc: text("recipient_enc").notNull(),
    subjectEnc: text("subject_enc"),
    bodyEnc: text("body_enc").notNull(),
    status: text("status", { enum: ["queued", "sending", "sent", "outbox", "failed"] }).notNull(),
    claimedAt: timestamp("claimed_at"),
    provider: text("provider"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: createdAt(),
    sentAt: timestamp("sent_at"),
  },
  (t) => [index("outbound_messages_workspace").on(t.workspaceId, t.createdAt)],
);
