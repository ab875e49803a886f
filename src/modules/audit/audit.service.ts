/**
 * Reading the audit log and checking its hash chain. Admins only (`audit.read`), always scoped to
 * the caller's workspace; every read of the log is itself audited. Nothing here writes to existing
 * entries except sealing, which only fills `chain_hash` where it is still null.
 */
import { checkpointStore, verifyTrail } from "../../lib/audit-checkpoint";
import { and, count, desc, eq, gte, lte, sql } from "drizzle-orm";
import { auditLog } from "../../db/schema/audit";
import { auditEntry, recordAudit, type ChainReport } from "../../lib/audit";
import { NotFoundError } from "../../lib/errors";
import { offsetOf } from "../../lib/pagination";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import { endOf, startOf, type AuditQuery } from "./audit.schemas";

type AuditRow = typeof auditLog.$inferSelect;

/** The public shape of an entry; the MAC and chain hash stay internal. */
export const presentAuditEntry = (row: AuditRow) => ({
  id: row.id,
  workspace_id: row.workspaceId,
  event_type: row.action,
  action: row.action.slice(row.action.indexOf(".") + 1),
  resource_type: row.resourceType,
  resource_id: row.resourceId,
  user_id: row.actorId,
  actor_role: row.actorRole,
  outcome: row.outcome,
  ip_address: row.ip,
  user_agent: row.userAgent,
  request_id: row.requestId,
  metadata: row.metadata ?? null,
  created_at: row.createdAt,
  sealed: row.chainHash !== null,
});

function filtersOf(workspaceId: string, q: AuditQuery) {
  const eventType = q.event_type
    ? q.event_type.includes(".")
      ? eq(auditLog.action, q.event_type)
      : sql`substr(${auditLog.action}, instr(${auditLog.action}, '.') + 1) = ${q.event_type}`
    : undefined;
  return and(
    eq(auditLog.workspaceId, workspaceId),
    q.resource_type ? eq(auditLog.resourceType, q.resource_type) : undefined,
    q.resource_id ? eq(auditLog.resourceId, q.resource_id) : undefined,
    eventType,
    q.action ? eq(auditLog.action, q.action) : undefined,
    q.user_id ? eq(auditLog.actorId, q.user_id) : undefined,
    q.outcome ? eq(auditLog.outcome, q.outcome) : undefined,
    q.start_date ? gte(auditLog.createdAt, startOf(q.start_date)) : undefined,
    q.end_date ? lte(auditLog.createdAt, endOf(q.end_date)) : undefined,
  );
}

const FILTERS = [
  "resource_type",
  "resource_id",
  "event_type",
  "action",
  "user_id",
  "outcome",
  "start_date",
  "end_date",
] as const;

/** Admin: the workspace's audit entries, newest first, filtered (`audit.listed`). */
export async function listAudit(ctx: RequestContext, query: AuditQuery) {
  const caller = await requirePermission(ctx, "audit.read", {
    action: "audit.listed",
    resourceType: "audit",
  });
  const where = filtersOf(caller.workspaceId, query);
  const audit = await auditEntry(ctx, {
    action: "audit.listed",
    resourceType: "audit",
    metadata: { filters: FILTERS.filter((f) => query[f] !== undefined), page: query.page },
  });
  // The listing's own entry is inserted after the selects, so it is not part of this page.
  const [rows, totals] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(auditLog)
      .where(where)
      .orderBy(desc(auditLog.seq))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm.select({ n: count() }).from(auditLog).where(where),
    audit.query,
  ]);
  return { items: rows.map(presentAuditEntry), total: totals[0]?.n ?? 0 };
}

/** Admin: one entry of the caller's workspace (`audit.read`); 404 for any other. */
export async function getAuditEntry(ctx: RequestContext, id: string) {
  const caller = await requirePermission(ctx, "audit.read", {
    action: "audit.read",
    resourceType: "audit",
    resourceId: id,
  });
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.id, id), eq(auditLog.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  const row = rows[0];
  await recordAudit(ctx, {
    action: "audit.read",
    resourceType: "audit",
    resourceId: id,
    outcome: row ? "success" : "not_found",
  });
  if (!row) throw new NotFoundError("Audit entry");
  return presentAuditEntry(row);
}

/**
 * Admin: seals the workspace's pending entries, then recomputes every MAC and chain link
 * (`audit.verified`, outcome `failure` when the chain is broken). After a retention prune the
 * chain is checked from the newest prune record's checkpoint (see verifyAuditChain).
 */
export async function verifyAudit(ctx: RequestContext): Promise<ChainReport> {
  const caller = await requirePermission(ctx, "audit.read", {
    action: "audit.verified",
    resourceType: "audit",
  });
  // Sealing and verifying use the ORM directly: check the session first.
  await ctx.db.ensureSession();
  // The checkpoint is read before sealing, and moved forward only after a clean report.
  const { report } = await verifyTrail(ctx.db.orm, checkpointStore(ctx.env), caller.workspaceId);
  await recordAudit(ctx, {
    action: "audit.verified",
    resourceType: "audit",
    outcome: report.valid ? "success" : "failure",
    metadata: {
      valid: report.valid,
      entries_checked: report.entries_checked,
      first_invalid_id: report.first_invalid?.id ?? null,
    },
  });
  return report;
}
