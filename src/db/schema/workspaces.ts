/**
 * A workspace is a clinic: every row holding clinical data carries its id.
 *
 * Invariant: `sms_number` (the clinic's own Twilio sender number, E.164) is unique across
 * workspaces, so an incoming SMS, routed by the number it was sent to, belongs to one clinic only.
 */
import { sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, updatedAt } from "./columns";

export const workspaces = sqliteTable(
  "workspaces",
  {
    id: id(),
    name: text("name").notNull(),
    /** The clinic's SMS sender number (not patient data: it is the clinic's public number). */
    smsNumber: text("sms_number"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("workspaces_sms_number").on(t.smsNumber)],
);
