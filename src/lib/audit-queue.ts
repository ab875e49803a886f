/**
 * Audited reads without a D1 write before the answer: the entry is built (MAC included) and sent
 * to the AUDIT queue, and `queueAudit` resolves only once the queue has accepted it, so a verb
 * that awaits it before returning data never answers an unrecorded read. The consumer stores
 * entries in batches with inserts keyed by the entry id (`audit_log_id` is unique): a redelivered
 * or retried batch adds nothing, and a consumer that dies mid-batch leaves its messages unacked,
 * so the queue delivers them again and nothing is lost. Sealing then chains them like any entry.
 *
 * Writes do NOT use this: a change keeps its audit entry in the same D1 batch (`auditEntry`).
 */
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { AUDIT_OUTCOMES, auditLog } from "../db/schema/audit";
import type { Bindings } from "../env";
import type { RequestContext } from "../middleware/request-context";
import { auditRow, type AuditInput } from "./audit";
import { checkpointStore, sealAndCheckpoint } from "./audit-checkpoint";
import type { Database } from "./db";

const nullableText = z.string().max(4096).nullable();

/** One entry as it travels on the queue: exactly the audit_log row minus `seq`/`chain_hash`. */
export const QueuedAuditEntry = z.object({
  id: z.string().min(1).max(64),
  workspaceId: nullableText,
  actorId: nullableText,
  actorRole: nullableText,
  action: z.string().min(3).max(64),
  resourceType: z.string().min(1).max(64),
  resourceId: nullableText,
  outcome: z.enum(AUDIT_OUTCOMES),
  ip: nullableText,
  userAgent: nullableText,
  requestId: nullableText,
  metadata: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string().min(1).max(40),
  entryMac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type QueuedAuditEntry = z.infer<typeof QueuedAuditEntry>;

/** Up to this many entries ride in one queue message (a request rarely has more than one). */
const MAX_ENTRIES_PER_MESSAGE = 50;

/**
 * Records audit entries of a read through the AUDIT queue; resolves once the queue holds them.
 * Await it before returning the data (see the module comment). Denials keep `recordAudit`.
 */
export async function queueAudit(ctx: RequestContext, ...inputs: AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  const entries = await Promise.all(inputs.map((input) => auditRow(ctx, input)));
  for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_MESSAGE) {
    await ctx.env.AUDIT.send({
      type: "audit_entries",
      entries: entries.slice(i, i + MAX_ENTRIES_PER_MESSAGE),
    });
  }
}

/** Statements per D1 batch when storing queued entries. */
export const AUDIT_STORE_CHUNK = 25;

/**
 * Inserts queued entries, ignoring ids already stored, in D1 batches of AUDIT_STORE_CHUNK; returns
 * the workspaces touched. Throws if any batch fails (the caller then leaves the messages unacked).
 */
export async function storeQueuedAudit(db: Database, entries: QueuedAuditEntry[]) {
  for (let i = 0; i < entries.length; i += AUDIT_STORE_CHUNK) {
    const inserts = entries
      .slice(i, i + AUDIT_STORE_CHUNK)
      .map((entry) =>
        db.insert(auditLog).values(entry).onConflictDoNothing({ target: auditLog.id }),
      );
    await db.batch(inserts as unknown as Parameters<Database["batch"]>[0]);
  }
  return [...new Set(entries.map((e) => e.workspaceId))];
}

type AuditMessage = { body: { entries: QueuedAuditEntry[] }; ack(): void; retry(): void };

/**
 * The consumer's part: stores the entries of every `audit_entries` message of a queue batch
 * together, acks them only once stored (a failure retries them all: idempotent), then seals the
 * touched workspaces' chains (a sealing failure is left to the cron; the entries are safe).
 */
export async function consumeAuditMessages(messages: AuditMessage[], env: Bindings) {
  if (messages.length === 0) return;
  const db = drizzle(env.DB);
  let workspaces: (string | null)[];
  try {
    workspaces = await storeQueuedAudit(
      db,
      messages.flatMap((m) => m.body.entries),
    );
  } catch (error) {
    console.error(
      JSON.stringify({ level: "error", job: "audit_entries", error: (error as Error).name }),
    );
    for (const m of messages) m.retry();
    return;
  }
  for (const m of messages) m.ack();
  for (const workspaceId of workspaces) {
    try {
      await sealAndCheckpoint(db, checkpointStore(env), workspaceId);
    } catch (error) {
      console.warn(
        JSON.stringify({ level: "warn", job: "seal_audit", error: (error as Error).name }),
      );
    }
  }
}
