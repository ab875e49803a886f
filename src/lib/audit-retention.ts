/**
 * Audit retention (issue 19; seed 002 §6.4 asks for 90 days of audit logs).
 *
 * Which entries go when:
 * - Short retention, `AUDIT_READ_RETENTION_DAYS` (default 90): successful reads, i.e. entries
 *   whose verb is `read` (one record), `listed` (lists and searches) or `family_read`, with outcome
 *   `success`. They are the bulk of the log and say only that someone looked.
 * - Long retention, `AUDIT_WRITE_RETENTION_DAYS` (default 2192 days, 6 years with leap days):
 *   everything else. Writes and other changes, denials and not-found or failed attempts (of reads
 *   too: they are what an investigation of probing needs), logins, exports and messages sent
 *   (disclosures), and the log's own verify and prune records. Six years because HIPAA keeps
 *   required documentation six years from creation (45 CFR 164.316(b)(2)) and an accounting of
 *   disclosures covers the six years before a request (164.528).
 *
 * How the chain stays verifiable (see verifyAuditChain and src/lib/audit-checkpoint.ts):
 * 1. The workspace's whole trail is verified first (`verifyTrail`); a broken trail is never
 *    pruned, since that would destroy the evidence (an `audit.pruned` failure entry says so).
 * 2. Only entries below the checkpoint then in force (C) may go, never C's own entry nor anything
 *    after it; the plan reads the entries up to C and computes what stays (count and digest).
 * 3. One D1 batch deletes exactly the planned entries and inserts the `audit.pruned` record (C's
 *    seq, id and hash, counts, seq and time range, the digest of what stayed, the prune total).
 *    The record's MAC column is NULL, so the insert fails and the batch rolls back, unless the
 *    delete removed exactly the planned number and no other prune committed since the plan: a
 *    deletion is never left without its record, nor recorded twice.
 * 4. The record is sealed into the chain above C and the checkpoint moves past it.
 * Verify then checks the entries up to the newest record's C against its digest and resumes the
 * chain from C's hash, so any deletion the record does not account for still fails.
 * Cutoffs are whole UTC days: the set to prune changes once a day, and a second run finds nothing.
 */
import { and, asc, eq, gt, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { auditLog, type AuditOutcome } from "../db/schema/audit";
import type { Bindings } from "../env";
import {
  AUDIT_VERBS,
  newestPrune,
  PRUNE_RESOURCE_TYPE,
  retainedLink,
  retainedSeed,
  sealAuditChain,
  systemAuditRow,
  type AuditAction,
  type PruneRecord,
} from "./audit";
import {
  checkpointStore,
  verifyTrail,
  writeCheckpoint,
  type AuditCheckpoint,
} from "./audit-checkpoint";
import type { Database } from "./db";

/** Verbs of reads; a successful entry with one of them has the short retention. */
export const READ_RETENTION_VERBS = [
  "read",
  "listed",
  "family_read",
] as const satisfies readonly (typeof AUDIT_VERBS)[number][];

const verbOf = (action: string) => action.slice(action.indexOf(".") + 1);

/** Does this entry have the short (read) retention? */
export const isReadEntry = (action: string, outcome: AuditOutcome | string) =>
  outcome === "success" && (READ_RETENTION_VERBS as readonly string[]).includes(verbOf(action));

export type RetentionPolicy = { readDays: number; writeDays: number };

export const DEFAULT_READ_RETENTION_DAYS = 90;
export const DEFAULT_WRITE_RETENTION_DAYS = 2192;

function daysOf(name: string, value: string | undefined, fallback: number) {
  if (value === undefined || value.trim() === "") return fallback;
  const days = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || days < 1 || days > 36_500) {
    throw new Error(`${name} must be a whole number of days between 1 and 36500`);
  }
  return days;
}

/** The retention of an environment; throws on a malformed value rather than prune by a guess. */
export function retentionPolicy(
  env: Pick<Bindings, "AUDIT_READ_RETENTION_DAYS" | "AUDIT_WRITE_RETENTION_DAYS">,
): RetentionPolicy {
  const readDays = daysOf(
    "AUDIT_READ_RETENTION_DAYS",
    env.AUDIT_READ_RETENTION_DAYS,
    DEFAULT_READ_RETENTION_DAYS,
  );
  const writeDays = daysOf(
    "AUDIT_WRITE_RETENTION_DAYS",
    env.AUDIT_WRITE_RETENTION_DAYS,
    DEFAULT_WRITE_RETENTION_DAYS,
  );
  if (writeDays < readDays) {
    throw new Error(
      "AUDIT_WRITE_RETENTION_DAYS must not be shorter than AUDIT_READ_RETENTION_DAYS",
    );
  }
  return { readDays, writeDays };
}

const DAY = 86_400_000;

/** Entries created before these instants are past their retention (whole UTC days). */
export function cutoffsOf(policy: RetentionPolicy, now: Date) {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return {
    readCutoff: new Date(today - policy.readDays * DAY).toISOString(),
    writeCutoff: new Date(today - policy.writeDays * DAY).toISOString(),
  };
}

/** The SQL twin of `isReadEntry` plus the cutoffs: the entries past their retention. */
function expiredWhere(cutoffs: ReturnType<typeof cutoffsOf>) {
  return or(
    lt(auditLog.createdAt, cutoffs.writeCutoff),
    and(
      lt(auditLog.createdAt, cutoffs.readCutoff),
      eq(auditLog.outcome, "success"),
      inArray(
        sql`substr(${auditLog.action}, instr(${auditLog.action}, '.') + 1)`,
        READ_RETENTION_VERBS,
      ),
    ),
  );
}

const sameWorkspace = (workspaceId: string | null) =>
  workspaceId === null ? isNull(auditLog.workspaceId) : eq(auditLog.workspaceId, workspaceId);

/** Entries deleted per D1 batch (one prune record each); a run does up to MAX_BATCHES of them. */
export const PRUNE_BATCH = 5000;
const MAX_BATCHES = 10;

export type PrunePlan = {
  workspaceId: string | null;
  /** Entries with a lower seq that are past their retention are deleted. */
  deleteBelow: number;
  cutoffs: ReturnType<typeof cutoffsOf>;
  /** The newest prune record when planned; the commit fails if another one landed since. */
  previousPruneSeq: number | null;
  record: PruneRecord;
};

/**
 * Plans a prune below `checkpoint` (which must be in force and verified): reads the entries up to
 * it, picks the oldest expired ones (up to `batch`), and computes what stays. `null`: nothing to do.
 */
export async function planPrune(
  db: Database,
  key: string,
  workspaceId: string | null,
  checkpoint: AuditCheckpoint,
  policy: RetentionPolicy,
  now: Date,
  batch = PRUNE_BATCH,
): Promise<PrunePlan | null> {
  const cutoffs = cutoffsOf(policy, now);
  const previous = await newestPrune(db, key, workspaceId);
  if (previous.invalid) throw new Error("The newest prune record does not verify");
  let retained = await retainedSeed(workspaceId);
  let kept = 0;
  const deleted = { reads: 0, writes: 0, firstSeq: 0, lastSeq: 0, oldest: "", newest: "" };
  let afterSeq = 0;
  for (;;) {
    const rows = await db
      .select({
        seq: auditLog.seq,
        action: auditLog.action,
        outcome: auditLog.outcome,
        createdAt: auditLog.createdAt,
        entryMac: auditLog.entryMac,
      })
      .from(auditLog)
      .where(
        and(
          sameWorkspace(workspaceId),
          gt(auditLog.seq, afterSeq),
          lte(auditLog.seq, checkpoint.seq),
        ),
      )
      .orderBy(asc(auditLog.seq))
      .limit(1000);
    if (rows.length === 0) break;
    for (const row of rows) {
      afterSeq = row.seq;
      const read = isReadEntry(row.action, row.outcome);
      const expired =
        row.createdAt < cutoffs.writeCutoff || (read && row.createdAt < cutoffs.readCutoff);
      // The checkpoint's own entry stays: the checkpoint in R2 is anchored on it.
      const full = deleted.reads + deleted.writes >= batch;
      if (expired && row.seq < checkpoint.seq && !full) {
        if (deleted.reads + deleted.writes === 0) deleted.firstSeq = row.seq;
        deleted.lastSeq = row.seq;
        if (read) deleted.reads++;
        else deleted.writes++;
        if (!deleted.oldest || row.createdAt < deleted.oldest) deleted.oldest = row.createdAt;
        if (row.createdAt > deleted.newest) deleted.newest = row.createdAt;
        continue;
      }
      retained = await retainedLink(retained, row.entryMac);
      kept++;
    }
  }
  const count = deleted.reads + deleted.writes;
  if (count === 0) return null;
  return {
    workspaceId,
    deleteBelow: deleted.lastSeq + 1,
    cutoffs,
    previousPruneSeq: previous.record?.seq ?? null,
    record: {
      checkpoint_seq: checkpoint.seq,
      checkpoint_head_id: checkpoint.head_id,
      checkpoint_hash: checkpoint.head_hash,
      read_retention_days: policy.readDays,
      write_retention_days: policy.writeDays,
      read_cutoff: cutoffs.readCutoff,
      write_cutoff: cutoffs.writeCutoff,
      deleted_reads: deleted.reads,
      deleted_writes: deleted.writes,
      first_deleted_seq: deleted.firstSeq,
      last_deleted_seq: deleted.lastSeq,
      oldest_deleted_at: deleted.oldest,
      newest_deleted_at: deleted.newest,
      retained: kept,
      retained_digest: retained,
      pruned_total: (previous.record?.pruned_total ?? 0) + count,
      complete: count < batch,
    },
  };
}

const PRUNED = "audit.pruned" satisfies AuditAction;

/**
 * Deletes the planned entries and inserts their prune record, in one D1 batch guarded as the
 * module comment says. `false`: the trail changed since the plan and nothing was written.
 */
export async function commitPrune(d1: D1Database, key: string, plan: PrunePlan) {
  const db = drizzle(d1);
  const remove = db
    .delete(auditLog)
    .where(
      and(
        sameWorkspace(plan.workspaceId),
        lt(auditLog.seq, plan.deleteBelow),
        expiredWhere(plan.cutoffs),
      ),
    )
    .toSQL();
  const row = await systemAuditRow(key, {
    action: PRUNED,
    resourceType: PRUNE_RESOURCE_TYPE,
    workspaceId: plan.workspaceId,
    metadata: plan.record,
  });
  const expected = plan.record.deleted_reads + plan.record.deleted_writes;
  const insert = {
    sql: `insert into "audit_log" ("id", "workspace_id", "actor_id", "actor_role", "action",
      "resource_type", "resource_id", "outcome", "ip", "user_agent", "request_id", "metadata",
      "created_at", "entry_mac")
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, case when changes() = ? and (
        select max("seq") from "audit_log" where "workspace_id" is ? and "resource_type" = ?
        and "resource_id" is null and "action" = ? and "outcome" = 'success') is ? then ? end)`,
    params: [
      row.id,
      row.workspaceId,
      row.actorId,
      row.actorRole,
      row.action,
      row.resourceType,
      row.resourceId,
      row.outcome,
      row.ip,
      row.userAgent,
      row.requestId,
      JSON.stringify(row.metadata),
      row.createdAt,
      expected,
      plan.workspaceId,
      PRUNE_RESOURCE_TYPE,
      PRUNED,
      plan.previousPruneSeq,
      row.entryMac,
    ],
  };
  try {
    await d1.batch([
      d1.prepare(remove.sql).bind(...remove.params),
      d1.prepare(insert.sql).bind(...insert.params),
    ]);
    return true;
  } catch (error) {
    if (/NOT NULL constraint failed: audit_log\.entry_mac/.test(String(error))) return false;
    throw error;
  }
}

export type PruneOutcome =
  | { status: "pruned"; deleted_reads: number; deleted_writes: number; records: number }
  | { status: "nothing" }
  | { status: "refused"; reason: string }
  | { status: "raced" };

/**
 * Prunes one workspace's trail by `policy` as the module comment describes: verify, then up to
 * MAX_BATCHES guarded batches below the checkpoint in force, each sealed and checkpointed.
 */
export async function pruneWorkspace(
  env: Pick<Bindings, "DB" | "MEDIA" | "AUDIT_HMAC_KEY">,
  workspaceId: string | null,
  policy: RetentionPolicy,
  now = new Date(),
): Promise<PruneOutcome> {
  const db = drizzle(env.DB);
  const store = checkpointStore(env);
  const { report, checkpoint } = await verifyTrail(db, store, workspaceId);
  if (!report.valid) {
    const reason = report.first_invalid?.reason ?? "invalid";
    const refusal = await systemAuditRow(store.key, {
      action: PRUNED,
      resourceType: PRUNE_RESOURCE_TYPE,
      workspaceId,
      outcome: "failure",
      metadata: { reason, first_invalid_seq: report.first_invalid?.seq ?? null },
    });
    await db.insert(auditLog).values(refusal);
    return { status: "refused", reason };
  }
  let anchor = checkpoint;
  const totals = { deleted_reads: 0, deleted_writes: 0, records: 0 };
  for (let i = 0; anchor && i < MAX_BATCHES; i++) {
    const plan = await planPrune(db, store.key, workspaceId, anchor, policy, now);
    if (!plan) break;
    if (!(await commitPrune(env.DB, store.key, plan))) return { status: "raced" };
    totals.deleted_reads += plan.record.deleted_reads;
    totals.deleted_writes += plan.record.deleted_writes;
    totals.records++;
    await sealAuditChain(db, workspaceId);
    anchor = await writeCheckpoint(db, store, workspaceId);
    if (plan.record.complete) break;
  }
  return totals.records === 0 ? { status: "nothing" } : { status: "pruned", ...totals };
}

/** Workspaces (null: entries of no workspace) holding entries past their retention. */
export async function prunableWorkspaces(db: Database, policy: RetentionPolicy, now: Date) {
  const rows = await db
    .selectDistinct({ workspaceId: auditLog.workspaceId })
    .from(auditLog)
    .where(expiredWhere(cutoffsOf(policy, now)));
  return rows.map((r) => r.workspaceId);
}

/**
 * The daily retention job (cron `RETENTION_CRON`): prunes every workspace with expired entries.
 * A malformed retention setting prunes nothing; one workspace's failure does not stop the others.
 */
export async function runAuditRetention(env: Bindings, now = new Date()) {
  let policy: RetentionPolicy;
  try {
    policy = retentionPolicy(env);
  } catch (error) {
    console.error(
      JSON.stringify({ level: "error", job: "audit_retention", error: (error as Error).message }),
    );
    return { workspaces: 0, deleted: 0, refused: 0, failed: 0, misconfigured: true };
  }
  const summary = { workspaces: 0, deleted: 0, refused: 0, failed: 0, misconfigured: false };
  for (const workspaceId of await prunableWorkspaces(drizzle(env.DB), policy, now)) {
    summary.workspaces++;
    try {
      const outcome = await pruneWorkspace(env, workspaceId, policy, now);
      if (outcome.status === "pruned") {
        summary.deleted += outcome.deleted_reads + outcome.deleted_writes;
      } else if (outcome.status === "refused") {
        summary.refused++;
        console.warn(
          JSON.stringify({
            level: "warn",
            job: "audit_retention",
            workspace_id: workspaceId,
            refused: outcome.reason,
          }),
        );
      }
    } catch (error) {
      summary.failed++;
      console.error(
        JSON.stringify({
          level: "error",
          job: "audit_retention",
          workspace_id: workspaceId,
          error: (error as Error).name,
        }),
      );
    }
  }
  return summary;
}
