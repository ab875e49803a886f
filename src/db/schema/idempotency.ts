/**
 * Stored results of requests sent with an `Idempotency-Key`, per user, for 24 hours.
 * Invariant: a (user, key) pair is claimed by inserting a pending row; only the request that
 * inserted it runs, and a retry replays its stored status and (encrypted) body.
 */
import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status"),
    responseEnc: text("response_enc"),
    createdAt: text("created_at").notNull(),
    completedAt: text("completed_at"),
  },
  (t) => [uniqueIndex("idempotency_keys_user_key").on(t.userId, t.key)],
);
