/**
 * The audit log: append-only, one row per access to patient data, denied attempts included.
 *
 * Invariants:
 * - `seq` orders entries; rows are inserted in the same D1 batch as the change they describe.
 * - `entry_mac` is an HMAC (AUDIT_HMAC_KEY) over the row's canonical fields, computed at insert,
 *   so an edited row no longer matches its MAC.
 * - `chain_hash` links each workspace's entries in `seq` order: SHA-256(previous chain_hash ‖
 *   entry_mac). Sealing fills it after insert (queue, cron, and before every verify) because
 *   concurrent requests cannot know their predecessor; a deleted or reordered row breaks the chain.
 * - Metadata never holds patient data: ids, counts and field names only.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const AUDIT_OUTCOMES = ["success", "denied", "not_found", "failure"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export const auditLog = sqliteTable(
  "audit_log",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    workspaceId: text("workspace_id"),
    actorId: text("actor_id"),
    actorRole: text("actor_role"),
    action: text("action").notNull(),
    resourceType: text("resource_type").notNull(),
    resourceId: text("resource_id"),
    outcome: text("outcome", { enum: AUDIT_OUTCOMES }).notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: text("created_at").notNull(),
    entryMac: text("entry_mac").notNull(),
    chainHash: text("chain_hash"),
  },
  (t) => [
    uniqueIndex("audit_log_id").on(t.id),
    index("audit_log_workspace_seq").on(t.workspaceId, t.seq),
    index("audit_log_resource").on(t.workspaceId, t.resourceType, t.resourceId),
    index("audit_log_actor").on(t.workspaceId, t.actorId, t.seq),
  ],
);
