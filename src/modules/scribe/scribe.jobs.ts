/**
 * Scribe jobs: a generate-note request run on the JOBS queue instead of inline (asked for with
 * `async: true`, or automatically for long sources). The row records kind, status, the encrypted
 * input and result, the error code and the provenance. The job runs with its author's access as
 * it stands at run time (a revoked relation fails the job, it never bypasses policy), is
 * idempotent on redelivery (a finished job is skipped; the note is keyed by the job id as its
 * client id), and on completion the author gets `notification:new` (ids only).
 */
import { and, eq, inArray } from "drizzle-orm";
import { scribeJobs } from "../../db/schema/clinical-notes";
import { users } from "../../db/schema/users";
import type { Bindings } from "../../env";
import { auditEntry, recordAudit } from "../../lib/audit";
import { AppError, NotFoundError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { isUniqueViolation } from "../../lib/db";
import { createRequestContext, type RequestContext } from "../../middleware/request-context";
import { callerOf } from "../../middleware/auth";
import { notifyScribeJob } from "../notifications/notifications.content";
import type { ResolvedNoteInput } from "./scribe.schemas";
import { generateNote, scribeCaller } from "./scribe.service";

/** Sources longer than this (characters over all segments/text) always run as a job. */
export const ASYNC_SOURCE_CHARS = 20_000;

const jobRef = (id: string, column: "input" | "result") => ({
  table: "scribe_jobs",
  column,
  rowId: id,
});

/** Total characters of a request's source, to decide whether it runs inline. */
export function sourceChars(input: ResolvedNoteInput): number {
  if (input.text) return input.text.length;
  return (input.segments ?? []).reduce((n, s) => n + s.text.length, 0);
}

/**
 * Queues a generate-note job after the same permission and patient checks as the inline path.
 * A repeated `client_id` returns the first job instead of queueing another.
 */
export async function enqueueNoteJob(ctx: RequestContext, input: ResolvedNoteInput) {
  await scribeCaller(ctx, input.patient_id);
  const caller = callerOf(ctx);
  if (input.client_id) {
    const first = await jobByClient(ctx, caller.userId, input.client_id);
    if (first) return presentJob(ctx, first);
  }
  const id = uuidv7();
  const now = new Date().toISOString();
  const stored = { ...input, async: undefined };
  const row = {
    id,
    workspaceId: caller.workspaceId,
    authorId: caller.userId,
    patientId: input.patient_id,
    kind: "generate_note" as const,
    status: "queued" as const,
    inputEnc: await ctx.phi.encrypt(JSON.stringify(stored), jobRef(id, "input")),
    clientId: input.client_id ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const audit = await auditEntry(ctx, {
    action: "scribe.created",
    resourceType: "scribe",
    resourceId: id,
    metadata: { patient_id: input.patient_id, kind: "generate_note" },
  });
  try {
    await ctx.db.write([ctx.db.orm.insert(scribeJobs).values(row), audit.query]);
  } catch (error) {
    const first =
      input.client_id && isUniqueViolation(error)
        ? await jobByClient(ctx, caller.userId, input.client_id)
        : undefined;
    if (first) return presentJob(ctx, first);
    throw error;
  }
  // The row is stored, so the job is accepted even if the send fails: the cron re-queues a job
  // left queued (scribe.recovery.ts), and a retry with the same client_id re-sends it now.
  await sendJob(ctx, id);
  return presentJob(ctx, { ...row, resultEnc: null, errorCode: null, noteId: null });
}

async function jobByClient(ctx: RequestContext, authorId: string, clientId: string) {
  const [row] = await ctx.db.orm
    .select()
    .from(scribeJobs)
    .where(
      and(
        eq(scribeJobs.authorId, authorId),
        eq(scribeJobs.clientId, clientId),
        eq(scribeJobs.workspaceId, callerOf(ctx).workspaceId),
      ),
    )
    .limit(1);
  if (row?.status === "queued") await sendJob(ctx, row.id);
  return row;
}

async function sendJob(ctx: RequestContext, id: string) {
  try {
    await ctx.env.JOBS.send({ type: "scribe_job", job_id: id });
  } catch (error) {
    console.warn(
      JSON.stringify({
        level: "warn",
        event: "scribe_job_send_failed",
        error: (error as Error).name,
      }),
    );
  }
}

type JobRow = Pick<
  typeof scribeJobs.$inferSelect,
  "id" | "kind" | "status" | "resultEnc" | "errorCode" | "noteId" | "createdAt" | "updatedAt"
> &
  Partial<Pick<typeof scribeJobs.$inferSelect, "provider" | "model" | "promptVersion">>;

async function presentJob(ctx: RequestContext, row: JobRow) {
  const result = row.resultEnc
    ? JSON.parse(await ctx.phi.decrypt(row.resultEnc, jobRef(row.id, "result")))
    : null;
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    note_id: row.noteId,
    result,
    error: row.errorCode,
    provider: row.provider ?? null,
    model: row.model ?? null,
    prompt_version: row.promptVersion ?? null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** A job, to its author only (anyone else, other workspaces included, gets 404); audited. */
export async function getScribeJob(ctx: RequestContext, id: string) {
  const caller = callerOf(ctx);
  const [row] = await ctx.db.orm
    .select()
    .from(scribeJobs)
    .where(and(eq(scribeJobs.id, id), eq(scribeJobs.workspaceId, caller.workspaceId)))
    .limit(1);
  if (!row || row.authorId !== caller.userId) {
    await recordAudit(ctx, {
      action: "scribe.read",
      resourceType: "scribe",
      resourceId: id,
      outcome: "denied",
    });
    throw new NotFoundError("Scribe job not found");
  }
  const audit = await auditEntry(ctx, {
    action: "scribe.read",
    resourceType: "scribe",
    resourceId: id,
    metadata: { patient_id: row.patientId, status: row.status },
  });
  await ctx.db.write([audit.query]);
  return presentJob(ctx, row);
}

/**
 * Runs a queued job (the queue consumer's handler). Finished jobs are skipped, so a redelivery
 * does nothing twice; a client error (access gone, bad source) fails the job for good, anything
 * else is thrown so the queue retries it.
 */
export async function runScribeJob(env: Bindings, jobId: string) {
  const ctx = createRequestContext(env, new Request("https://jobs.internal/"), () => undefined);
  const [job] = await ctx.db.orm.select().from(scribeJobs).where(eq(scribeJobs.id, jobId)).limit(1);
  if (!job || job.status === "succeeded" || job.status === "failed") return;
  const [author] = await ctx.db.orm
    .select({ role: users.role, workspaceId: users.workspaceId, active: users.isActive })
    .from(users)
    .where(eq(users.id, job.authorId))
    .limit(1);
  await setStatus(ctx, jobId, "running", {});
  const input = JSON.parse(
    await ctx.phi.decrypt(job.inputEnc, jobRef(jobId, "input")),
  ) as ResolvedNoteInput;
  try {
    if (!author?.active || author.workspaceId !== job.workspaceId) throw new NotFoundError();
    ctx.caller = {
      userId: job.authorId,
      workspaceId: job.workspaceId,
      role: author.role,
      sessionId: `job:${jobId}`,
    };
    // The note is keyed by the job: a retry after a crash finds it instead of drafting another.
    const result = await generateNote(ctx, { ...input, client_id: jobId });
    await setStatus(ctx, jobId, "succeeded", {
      resultEnc: await ctx.phi.encrypt(JSON.stringify(result), jobRef(jobId, "result")),
      noteId: result.note_id,
      provider: result.provider,
      model: result.model,
      promptVersion: result.prompt_version,
    });
    await notify(env, job, { noteId: result.note_id });
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    await setStatus(ctx, jobId, "failed", { errorCode: error.code });
    await notify(env, job, { error: error.code });
  }
}

async function setStatus(
  ctx: RequestContext,
  id: string,
  status: (typeof scribeJobs.$inferSelect)["status"],
  changes: Partial<typeof scribeJobs.$inferInsert>,
) {
  await ctx.db.orm
    .update(scribeJobs)
    .set({ ...changes, status, updatedAt: new Date().toISOString() })
    .where(and(eq(scribeJobs.id, id), inArray(scribeJobs.status, ["queued", "running"])));
}

/** The author's `notification:new` (and inbox entry); the job row stays the record. */
async function notify(
  env: Bindings,
  job: { id: string; workspaceId: string; authorId: string; patientId: string | null },
  outcome: { noteId: string } | { error: string },
) {
  try {
    await notifyScribeJob(env, job, outcome);
  } catch (error) {
    // The client can still poll GET /scribe/jobs/{id}.
    console.warn(
      JSON.stringify({ level: "warn", event: "notify_failed", error: (error as Error).name }),
    );
  }
}
