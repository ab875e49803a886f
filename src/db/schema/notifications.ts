/**
 * A user's notifications (seed 002 §3 `notification:new`, the inbox of `GET /notifications`).
 *
 * Invariants:
 * - Every row carries `workspace_id` and belongs to one recipient (`user_id`); only that user
 *   reads or marks it.
 * - Title and body may name people or quote a message: stored only encrypted (ctx.phi, bound to
 *   table, column and row). `link` is an app path made of ids only, never patient data.
 * - `dedupe_key` names the event that caused it (a message id, a call's missed line, a note
 *   version); unique per recipient, so a retried or repeated event notifies once.
 * - `patient_id`: the patient the event concerns, for audit; null when none.
 * - `escalated_at`: set once when the email/SMS fallback was decided (sent or not), so a
 *   redelivered check does nothing twice.
 */
import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, timestamp, workspaceId } from "./columns";

export const NOTIFICATION_TYPES = ["message", "call", "note", "session"] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const notifications = sqliteTable(
  "notifications",
  {
    id: id(),
    workspaceId: workspaceId(),
    userId: text("user_id").notNull(),
    type: text("type", { enum: NOTIFICATION_TYPES }).notNull(),
    titleEnc: text("title_enc").notNull(),
    bodyEnc: text("body_enc").notNull(),
    link: text("link").notNull(),
    patientId: text("patient_id"),
    dedupeKey: text("dedupe_key").notNull(),
    createdAt: createdAt(),
    readAt: timestamp("read_at"),
    escalatedAt: timestamp("escalated_at"),
  },
  (t) => [
    uniqueIndex("notifications_user_dedupe").on(t.userId, t.dedupeKey),
    index("notifications_user_created").on(t.userId, t.readAt, t.createdAt),
  ],
);
