/**
 * SMS log (seed 002 §2.9, §4.3): every SMS sent or received, one row each.
 *
 * Invariants:
 * - Phone numbers and bodies are PHI: stored only encrypted; `phone_index` is the keyed blind
 *   index of the counterpart's number (recipient of an outbound, sender of an inbound), which
 *   is what the `phone` filter and reply routing match on.
 * - `provider_sid` (Twilio's MessageSid) is unique: a webhook delivered twice lands once.
 * - An inbound SMS is routed to the workspace and patient of the latest outbound SMS to the same
 *   number; `chat_id` stays null until chats exist, so it can be attached to the patient's SMS
 *   chat later without losing anything.
 */
import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, timestamp, updatedAt } from "./columns";

export const SMS_STATUSES = [
  "queued",
  "sending",
  "sent",
  "outbox",
  "delivered",
  "undelivered",
  "failed",
  "received",
] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];

export const smsMessages = sqliteTable(
  "sms_messages",
  {
    id: id(),
    /** Null only for an inbound SMS from a number no workspace has texted. */
    workspaceId: text("workspace_id"),
    direction: text("direction", { enum: ["outbound", "inbound"] }).notNull(),
    providerSid: text("provider_sid"),
    fromEnc: text("from_enc").notNull(),
    toEnc: text("to_enc").notNull(),
    phoneIndex: text("phone_index").notNull(),
    bodyEnc: text("body_enc").notNull(),
    status: text("status", { enum: SMS_STATUSES }).notNull(),
    patientId: text("patient_id"),
    chatId: text("chat_id"),
    senderId: text("sender_id"),
    clientId: text("client_id"),
    errorCode: text("error_code"),
    sentAt: timestamp("sent_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("sms_messages_provider_sid").on(t.providerSid),
    uniqueIndex("sms_messages_sender_client").on(t.senderId, t.clientId),
    index("sms_messages_workspace_created").on(t.workspaceId, t.createdAt),
    index("sms_messages_phone_created").on(t.phoneIndex, t.createdAt),
  ],
);
