/**
 * Audit checkpoints: the hash chain anchored outside D1, so a truncated trail does not verify.
 *
 * The chain alone cannot show a missing tail: deleting a workspace's newest rows leaves a shorter
 * chain that is still consistent. So after sealing, the sealer writes a signed checkpoint
 * (workspace, last sealed seq, that entry's id and chain hash, the entry count up to it; HMAC under
 * AUDIT_HMAC_KEY) to R2, which the database cannot rewrite. Verify compares the trail with the
 * newest checkpoint: the anchored entry must still be there with the same chain hash and the same
 * number of entries up to it, otherwise the report is `truncated` with the checkpoint's seq (a
 * missing tail, a rewound chain and a replaced database all look like this).
 *
 * Invariants: a checkpoint only moves forward (never to a lower seq), and never past a broken
 * anchor (the evidence of a truncation is kept until someone looks); concurrent sealers cannot
 * overwrite a newer checkpoint (conditional put on the etag). Keys hold workspace ids only.
 *
 * Retention (src/lib/audit-retention.ts) deletes entries below a checkpoint, so a v2 checkpoint
 * also records `pruned`, the workspace's prune total when it was written (read in the same D1
 * batch as its entry count). The entries up to it must then number `entries` minus whatever
 * recorded prunes deleted since: a prune only deletes below the checkpoint it read, which is at or
 * below the newest one, and always keeps the checkpoint's own entry.
 * Window: entries inserted after the newest checkpoint (until the next cron seal or verify, at
 * most ~5 minutes) can still be removed without a trace; see docs/security.md, "Audit checkpoints".
 */
import { and, desc, eq, isNotNull, isNull, lte, sql } from "drizzle-orm";
import { auditLog } from "../db/schema/audit";
import { newestPruneQuery, pruneOf, sealAuditChain, verifyAuditChain } from "./audit";
import type { ChainReport } from "./audit";
import { hmac } from "./crypto/keys";
import type { Database } from "./db";
import { timingSafeEqual, toHex } from "./encoding";

export type AuditCheckpoint = {
  /** 1: before retention (no `pruned`, read as 0); 2: with `pruned`. */
  v: 1 | 2;
  workspace_id: string | null;
  seq: number;
  head_id: string;
  head_hash: string;
  entries: number;
  /** The workspace's prune total (entries deleted by recorded prunes) when this was written. */
  pruned?: number;
  created_at: string;
  mac: string;
};

/** Where checkpoints live: R2, outside the database they anchor. */
export type CheckpointStore = { bucket: R2Bucket; key: string };

const objectKey = (workspaceId: string | null) =>
  `audit-checkpoints/${workspaceId ?? "_no-workspace"}.json`;

const sameWorkspace = (workspaceId: string | null) =>
  workspaceId === null ? isNull(auditLog.workspaceId) : eq(auditLog.workspaceId, workspaceId);

const macOf = (key: string, c: Omit<AuditCheckpoint, "mac">) =>
  hmac(
    key,
    JSON.stringify([
      "rehab-edge-audit-checkpoint",
      c.v,
      c.workspace_id,
      c.seq,
      c.head_id,
      c.head_hash,
      c.entries,
      ...(c.v === 1 ? [] : [c.pruned ?? null]),
      c.created_at,
    ]),
  ).then(toHex);

/** The newest checkpoint of a workspace: `null` if none, `invalid` if its signature fails. */
export async function readCheckpoint(store: CheckpointStore, workspaceId: string | null) {
  const object = await store.bucket.get(objectKey(workspaceId));
  if (!object) return { checkpoint: null, etag: null, invalid: false };
  let checkpoint: AuditCheckpoint | null = null;
  try {
    checkpoint = (await object.json()) as AuditCheckpoint;
  } catch {
    return { checkpoint: null, etag: object.etag, invalid: true };
  }
  const { mac, ...fields } = checkpoint;
  const valid =
    typeof mac === "string" &&
    fields.workspace_id === workspaceId &&
    timingSafeEqual(mac, await macOf(store.key, fields));
  return valid
    ? { checkpoint, etag: object.etag, invalid: false }
    : { checkpoint: null, etag: object.etag, invalid: true };
}

/** The prune total of the trail as it is now (0 before any prune); `null` if its record is forged. */
async function prunedTotal(key: string, newest: Parameters<typeof pruneOf>[1]) {
  const prune = await pruneOf(key, newest);
  return prune.invalid ? null : (prune.record?.pruned_total ?? 0);
}

/**
 * Does the trail still hold the checkpoint's entry, with its hash, and the entries before it
 * (fewer only by what recorded prunes deleted since the checkpoint was written)?
 */
async function anchorHolds(db: Database, key: string, checkpoint: AuditCheckpoint) {
  const ws = checkpoint.workspace_id;
  const [[head], [count], newest] = await db.batch([
    db
      .select({ id: auditLog.id, chainHash: auditLog.chainHash })
      .from(auditLog)
      .where(and(sameWorkspace(ws), eq(auditLog.seq, checkpoint.seq)))
      .limit(1),
    db
      .select({ n: sql<number>`count(*)` })
      .from(auditLog)
      .where(and(sameWorkspace(ws), lte(auditLog.seq, checkpoint.seq))),
    newestPruneQuery(db, ws),
  ]);
  const pruned = await prunedTotal(key, newest);
  return (
    pruned !== null &&
    head?.id === checkpoint.head_id &&
    head.chainHash === checkpoint.head_hash &&
    count?.n === checkpoint.entries - (pruned - (checkpoint.pruned ?? 0))
  );
}

/**
 * Writes a checkpoint at the workspace's last sealed entry, if it is past the current one and the
 * current one's anchor still holds. Returns the checkpoint now in force (null if none).
 */
export async function writeCheckpoint(
  db: Database,
  store: CheckpointStore,
  workspaceId: string | null,
): Promise<AuditCheckpoint | null> {
  const current = await readCheckpoint(store, workspaceId);
  const [head] = await db
    .select({ seq: auditLog.seq, id: auditLog.id, chainHash: auditLog.chainHash })
    .from(auditLog)
    .where(and(sameWorkspace(workspaceId), isNotNull(auditLog.chainHash)))
    .orderBy(desc(auditLog.seq))
    .limit(1);
  if (!head?.chainHash) return current.checkpoint;
  if (current.checkpoint && current.checkpoint.seq >= head.seq) return current.checkpoint;
  // A broken anchor (or a forged checkpoint) is evidence: never paper over it with a new one.
  if (current.invalid) return null;
  if (current.checkpoint && !(await anchorHolds(db, store.key, current.checkpoint))) {
    return current.checkpoint;
  }
  // One batch: the count and the prune total must describe the same state of the trail.
  const [[count], newest] = await db.batch([
    db
      .select({ n: sql<number>`count(*)` })
      .from(auditLog)
      .where(and(sameWorkspace(workspaceId), lte(auditLog.seq, head.seq))),
    newestPruneQuery(db, workspaceId),
  ]);
  const pruned = await prunedTotal(store.key, newest);
  if (pruned === null) return current.checkpoint;
  const fields = {
    v: 2 as const,
    workspace_id: workspaceId,
    seq: head.seq,
    head_id: head.id,
    head_hash: head.chainHash,
    entries: count?.n ?? 0,
    pruned,
    created_at: new Date().toISOString(),
  };
  const checkpoint: AuditCheckpoint = { ...fields, mac: await macOf(store.key, fields) };
  // Conditional on the checkpoint read above: a sealer that lost a race does not overwrite it.
  const written = await store.bucket.put(objectKey(workspaceId), JSON.stringify(checkpoint), {
    httpMetadata: { contentType: "application/json" },
    ...(current.etag ? { onlyIf: { etagMatches: current.etag } } : {}),
  });
  return written ? checkpoint : (await readCheckpoint(store, workspaceId)).checkpoint;
}

/** The sealer: fills the chain hashes, then moves the checkpoint forward. */
export async function sealAndCheckpoint(
  db: Database,
  store: CheckpointStore,
  workspaceId: string | null,
) {
  const sealed = await sealAuditChain(db, workspaceId);
  await writeCheckpoint(db, store, workspaceId);
  return sealed;
}

/**
 * Compares a chain report with the checkpoint read before sealing: a trail that no longer holds
 * the checkpoint's entry (or has fewer entries up to it) is `truncated` at the checkpoint's seq.
 */
export async function checkAgainstCheckpoint(
  db: Database,
  key: string,
  anchor: Awaited<ReturnType<typeof readCheckpoint>>,
  report: ChainReport,
): Promise<ChainReport> {
  if (!report.valid) return report;
  if (anchor.invalid) {
    const first_invalid = { id: null, seq: 0, reason: "checkpoint_invalid" } as const;
    return { ...report, valid: false, first_invalid };
  }
  const checkpoint = anchor.checkpoint;
  if (!checkpoint || (await anchorHolds(db, key, checkpoint))) return report;
  return {
    ...report,
    valid: false,
    first_invalid: { id: checkpoint.head_id, seq: checkpoint.seq, reason: "truncated" },
  };
}

/**
 * The whole check of a workspace's trail: reads the checkpoint, seals, verifies MACs and chain
 * (prune-aware), compares with the checkpoint, and moves the checkpoint forward only after a
 * clean report. `/audit/verify` and the retention prune both run it.
 */
export async function verifyTrail(
  db: Database,
  store: CheckpointStore,
  workspaceId: string | null,
) {
  const anchor = await readCheckpoint(store, workspaceId);
  await sealAuditChain(db, workspaceId);
  const chain = await verifyAuditChain(db, store.key, workspaceId);
  const report = await checkAgainstCheckpoint(db, store.key, anchor, chain);
  const checkpoint = report.valid ? await writeCheckpoint(db, store, workspaceId) : null;
  return { report, checkpoint };
}

/** The checkpoint store of an environment (the R2 bucket and the audit key). */
export const checkpointStore = (env: { MEDIA: R2Bucket; AUDIT_HMAC_KEY: string }) => ({
  bucket: env.MEDIA,
  key: env.AUDIT_HMAC_KEY,
});
