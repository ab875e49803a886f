/**
 * Audit entries: built as insert statements so a verb puts them in the same D1 batch as its change
 * (a failed audit write fails the change), plus sealing and verification of the hash chain.
 * See src/db/schema/audit.ts for the invariants.
 */
import { and, asc, desc, eq, gt, isNotNull, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { auditLog, type AuditOutcome } from "../db/schema/audit";
import type { Database } from "./db";
import { hmac } from "./crypto/keys";
import { sha256Hex, toHex } from "./encoding";
import { uuidv7 } from "./ids";
import type { RequestContext } from "../middleware/request-context";

/** Resources and verbs form the closed set of audit actions (`resource.verb`). */
export const AUDIT_RESOURCES = [
  "auth",
  "session",
  "user",
  "preferences",
  "invite",
  "outbox",
  "audit",
  "workspace",
  "patient",
  "care_team",
  "family_access",
  "diagnosis",
  "medication",
  "allergy",
  "vital",
  "service",
  "location",
  "appointment",
  "availability",
  "exercise_type",
  "exercise_assignment",
  "template",
  "consultation_type",
  "idempotency",
  "chat",
  "chat_participant",
  "chat_message",
  "call",
  "media",
  "exercise_session",
  "pose_data",
  "session_review",
  "motion_prediction",
  "posture_analysis",
  "pose",
  "clinical_note",
  "clinical_note_suggestion",
  "clinical_note_settings",
  "scribe",
  "sms",
  "transcript",
  "notification",
] as const;
export const AUDIT_VERBS = [
  "created",
  "read",
  "listed",
  "updated",
  "deleted",
  "restored",
  "denied",
  "verified",
  "login",
  "login_failed",
  "logout",
  "refreshed",
  "refresh_reused",
  "magic_link_requested",
  "magic_link_used",
  "mfa_enabled",
  "mfa_disabled",
  "mfa_failed",
  "accepted",
  "granted",
  "revoked",
  "uploaded",
  "aborted",
  "completed",
  "analyzed",
  "family_read",
  "estimated",
  "streamed",
  "autosaved",
  "finalized",
  "signed",
  "sign_failed",
  "exported",
  "purged",
  "generated",
  "sent",
  "received",
  "status_updated",
  "answered",
  "declined",
  "ended",
  "missed",
  "recording_started",
  "recording_stopped",
  "pruned",
] as const;
export type AuditAction = `${(typeof AUDIT_RESOURCES)[number]}.${(typeof AUDIT_VERBS)[number]}`;

export type AuditInput = {
  action: AuditAction;
  resourceType: string;
  resourceId?: string | null;
  outcome?: AuditOutcome;
  metadata?: Record<string, unknown> | null;
  /** For events before a caller exists (login, registration): whom and where it concerns. */
  workspaceId?: string | null;
  actorId?: string | null;
  actorRole?: string | null;
};

type AuditRow = typeof auditLog.$inferSelect;

function canonical(row: Omit<AuditRow, "seq" | "entryMac" | "chainHash">): string {
  return JSON.stringify([
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
    row.metadata ?? null,
    row.createdAt,
  ]);
}

const macOf = async (key: string, row: Omit<AuditRow, "seq" | "entryMac" | "chainHash">) =>
  toHex(await hmac(key, canonical(row)));

/** The complete row of one audit entry for the current request, MAC included. */
export async function auditRow(ctx: RequestContext, input: AuditInput) {
  const row = {
    id: uuidv7(),
    workspaceId:
      input.workspaceId !== undefined ? input.workspaceId : (ctx.caller?.workspaceId ?? null),
    actorId: input.actorId !== undefined ? input.actorId : (ctx.caller?.userId ?? null),
    actorRole: input.actorRole !== undefined ? input.actorRole : (ctx.caller?.role ?? null),
    action: input.action,
    resourceType: input.resourceType,
    resourceId: input.resourceId ?? null,
    outcome: input.outcome ?? "success",
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
    metadata: input.metadata ?? null,
    createdAt: new Date().toISOString(),
  };
  return { ...row, entryMac: await macOf(ctx.env.AUDIT_HMAC_KEY, row) };
}

/** An entry written by the system itself (cron jobs), outside any request: no actor, IP or UA. */
export async function systemAuditRow(
  key: string,
  input: Omit<AuditInput, "workspaceId" | "actorId" | "actorRole"> & {
    workspaceId: string | null;
  },
) {
  const row = {
    id: uuidv7(),
    workspaceId: input.workspaceId,
    actorId: null,
    actorRole: "system",
    action: input.action,
    resourceType: input.resourceType,
    resourceId: input.resourceId ?? null,
    outcome: input.outcome ?? "success",
    ip: null,
    userAgent: null,
    requestId: null,
    metadata: input.metadata ?? null,
    createdAt: new Date().toISOString(),
  };
  return { ...row, entryMac: await macOf(key, row) };
}

/**
 * Builds the insert of one audit entry for the current request; include `.query` in the write
 * batch. (Wrapped in an object: a drizzle query is thenable, so returning it bare from an async
 * function would run it on its own.)
 */
export async function auditEntry(ctx: RequestContext, input: AuditInput) {
  return { query: ctx.db.orm.insert(auditLog).values(await auditRow(ctx, input)) };
}

/** Writes one audit entry on its own: denials, and reads whose data came from an earlier batch. */
export async function recordAudit(ctx: RequestContext, input: AuditInput) {
  await ctx.db.write([(await auditEntry(ctx, input)).query]);
}

const genesis = (workspaceId: string | null) => sha256Hex(`rehab-edge-audit:${workspaceId ?? "-"}`);
const link = (previous: string, entryMac: string) => sha256Hex(`${previous}:${entryMac}`);
const sameWorkspace = (workspaceId: string | null) =>
  workspaceId === null ? isNull(auditLog.workspaceId) : eq(auditLog.workspaceId, workspaceId);

/**
 * Fills `chain_hash` for a workspace's unsealed entries, in `seq` order. Deterministic, so two
 * sealers racing compute the same hashes; the `chain_hash IS NULL` guard keeps it write-once.
 */
export async function sealAuditChain(db: Database, workspaceId: string | null, batchSize = 200) {
  let sealed = 0;
  for (;;) {
    const [last] = await db
      .select({ seq: auditLog.seq, chainHash: auditLog.chainHash })
      .from(auditLog)
      .where(and(sameWorkspace(workspaceId), isNotNull(auditLog.chainHash)))
      .orderBy(desc(auditLog.seq))
      .limit(1);
    const pending = await db
      .select({ seq: auditLog.seq, entryMac: auditLog.entryMac })
      .from(auditLog)
      .where(
        and(
          sameWorkspace(workspaceId),
          isNull(auditLog.chainHash),
          gt(auditLog.seq, last?.seq ?? 0),
        ),
      )
      .orderBy(asc(auditLog.seq))
      .limit(batchSize);
    if (pending.length === 0) return sealed;
    let previous = last?.chainHash ?? (await genesis(workspaceId));
    const updates = [];
    for (const row of pending) {
      previous = await link(previous, row.entryMac);
      updates.push(
        db
          .update(auditLog)
          .set({ chainHash: previous })
          .where(and(eq(auditLog.seq, row.seq), isNull(auditLog.chainHash))),
      );
    }
    await db.batch(updates as unknown as Parameters<Database["batch"]>[0]);
    sealed += pending.length;
  }
}

/** Workspaces with entries still to seal (for the cron job). */
export async function unsealedWorkspaces(db: Database) {
  const rows = await db
    .selectDistinct({ workspaceId: auditLog.workspaceId })
    .from(auditLog)
    .where(isNull(auditLog.chainHash));
  return rows.map((r) => r.workspaceId);
}

/**
 * The record a retention prune leaves (`audit.pruned`, see src/lib/audit-retention.ts). It is an
 * ordinary entry (MAC, then chained above the checkpoint it names), and it is what lets verify
 * tell a prune from a deletion: entries at or below `checkpoint_seq` must be exactly the ones it
 * kept (`retained` of them, digest `retained_digest` over their MACs in seq order), and the chain
 * above resumes from `checkpoint_hash`. Ids, counts, seqs and times only.
 */
export const PruneRecord = z.object({
  checkpoint_seq: z.number().int().positive(),
  checkpoint_head_id: z.string(),
  checkpoint_hash: z.string(),
  read_retention_days: z.number().int(),
  write_retention_days: z.number().int(),
  read_cutoff: z.string(),
  write_cutoff: z.string(),
  /** Successful reads past the read retention. */
  deleted_reads: z.number().int().nonnegative(),
  /** Everything else past the long retention: writes, denials, other events. */
  deleted_writes: z.number().int().nonnegative(),
  first_deleted_seq: z.number().int(),
  last_deleted_seq: z.number().int(),
  oldest_deleted_at: z.string(),
  newest_deleted_at: z.string(),
  retained: z.number().int().nonnegative(),
  retained_digest: z.string(),
  /** Entries this workspace's prunes have deleted so far, this one included. */
  pruned_total: z.number().int().nonnegative(),
  /** False when the run stopped at its batch size and left older entries for the next one. */
  complete: z.boolean(),
});
export type PruneRecord = z.infer<typeof PruneRecord>;

/** `resource_type` of prune records: the audit log itself (the resource index finds them). */
export const PRUNE_RESOURCE_TYPE = "audit_log";

/** Where the newest successful prune record of a workspace is (a query, to run in a batch). */
export const newestPruneQuery = (db: Database, workspaceId: string | null) =>
  db
    .select()
    .from(auditLog)
    .where(
      and(
        sameWorkspace(workspaceId),
        // With resource_id IS NULL the resource index serves it in seq order (no scan).
        eq(auditLog.resourceType, PRUNE_RESOURCE_TYPE),
        isNull(auditLog.resourceId),
        eq(auditLog.action, "audit.pruned" satisfies AuditAction),
        eq(auditLog.outcome, "success"),
      ),
    )
    .orderBy(desc(auditLog.seq))
    .limit(1);

export type NewestPrune =
  | { record: null; invalid: null }
  | { record: PruneRecord & { id: string; seq: number }; invalid: null }
  | { record: null; invalid: { id: string; seq: number } };

/** Checks the row `newestPruneQuery` found: a prune record counts only if its MAC holds. */
export async function pruneOf(key: string, rows: AuditRow[]): Promise<NewestPrune> {
  const row = rows[0];
  if (!row) return { record: null, invalid: null };
  // The chain hash is not part of the MAC (the chain walk checks it).
  const { seq, entryMac, chainHash: _chain, ...fields } = row;
  const parsed = PruneRecord.safeParse(row.metadata);
  if ((await macOf(key, fields)) !== entryMac || !parsed.success) {
    return { record: null, invalid: { id: row.id, seq } };
  }
  return { record: { ...parsed.data, id: row.id, seq }, invalid: null };
}

/** The newest successful prune record of a workspace (`null` if it was never pruned). */
export async function newestPrune(db: Database, key: string, workspaceId: string | null) {
  return pruneOf(key, await newestPruneQuery(db, workspaceId));
}

/** The digest of the entries a prune kept: the same fold as the chain, from its own seed. */
export const retainedSeed = (workspaceId: string | null) =>
  sha256Hex(`rehab-edge-audit-retained:${workspaceId ?? "-"}`);
export const retainedLink = link;

export type ChainReport = {
  valid: boolean;
  entries_checked: number;
  first_invalid: {
    id: string | null;
    seq: number;
    /**
     * `truncated` and `checkpoint_invalid` come from src/lib/audit-checkpoint.ts; `prune_mismatch`
     * names the newest prune record, whose kept entries are no longer all there, in order.
     */
    reason: "mac_mismatch" | "chain_broken" | "truncated" | "checkpoint_invalid" | "prune_mismatch";
  } | null;
};

/**
 * Recomputes every entry's MAC and the chain of a workspace; reports the first entry that fails.
 * After a prune, entries at or below the newest prune record's checkpoint are checked against what
 * it kept (count and digest), and the chain is recomputed from that checkpoint's hash on; so a
 * gap the prune record does not account for (a deletion, anywhere) still fails.
 */
export async function verifyAuditChain(
  db: Database,
  key: string,
  workspaceId: string | null,
): Promise<ChainReport> {
  const prune = await newestPrune(db, key, workspaceId);
  if (prune.invalid) {
    return {
      valid: false,
      entries_checked: 0,
      first_invalid: { ...prune.invalid, reason: "mac_mismatch" },
    };
  }
  const base = prune.record;
  let previous = base ? base.checkpoint_hash : await genesis(workspaceId);
  let retained = await retainedSeed(workspaceId);
  let retainedCount = 0;
  let baseChecked = base === null;
  const baseHolds = () =>
    base !== null && retainedCount === base.retained && retained === base.retained_digest;
  const pruneMismatch = (checked: number): ChainReport => ({
    valid: false,
    entries_checked: checked,
    first_invalid: { id: base!.id, seq: base!.seq, reason: "prune_mismatch" },
  });
  let checked = 0;
  let afterSeq = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(sameWorkspace(workspaceId), gt(auditLog.seq, afterSeq)))
      .orderBy(asc(auditLog.seq))
      .limit(500);
    if (rows.length === 0) break;
    for (const row of rows) {
      const { seq, entryMac, chainHash, ...fields } = row;
      if ((await macOf(key, fields)) !== entryMac) {
        return {
          valid: false,
          entries_checked: checked,
          first_invalid: { id: row.id, seq, reason: "mac_mismatch" },
        };
      }
      if (base && seq <= base.checkpoint_seq) {
        retained = await link(retained, entryMac);
        retainedCount++;
      } else {
        if (!baseChecked) {
          if (!baseHolds()) return pruneMismatch(checked);
          baseChecked = true;
        }
        if (chainHash !== null) {
          previous = await link(previous, entryMac);
          if (previous !== chainHash) {
            return {
              valid: false,
              entries_checked: checked,
              first_invalid: { id: row.id, seq, reason: "chain_broken" },
            };
          }
        }
      }
      checked++;
      afterSeq = seq;
    }
  }
  if (!baseChecked && !baseHolds()) return pruneMismatch(checked);
  return { valid: true, entries_checked: checked, first_invalid: null };
}

export const countAudit = (db: Database, workspaceId: string) =>
  db
    .select({ n: sql<number>`count(*)` })
    .from(auditLog)
    .where(eq(auditLog.workspaceId, workspaceId));
