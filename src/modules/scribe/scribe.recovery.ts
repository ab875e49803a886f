/**
 * Cron recovery of scribe jobs: a job whose queue message was lost (send failed after the row was
 * stored) or whose run died (retries exhausted) would otherwise stay queued/running forever.
 * Stuck 10 minutes: queued again (the run is idempotent: the note is keyed by the job id); a day
 * old: failed with `expired`, so the author's poll ends.
 */
import { and, inArray, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { scribeJobs } from "../../db/schema/clinical-notes";
import type { Bindings } from "../../env";

const STUCK_MS = 10 * 60_000;
const EXPIRY_MS = 24 * 3600_000;

/** Re-queues stuck scribe jobs and expires day-old ones; returns how many were re-queued. */
export async function requeueStuckScribeJobs(env: Bindings, now = new Date()) {
  const db = drizzle(env.DB);
  const iso = now.toISOString();
  const pending = inArray(scribeJobs.status, ["queued", "running"]);
  await db
    .update(scribeJobs)
    .set({ status: "failed", errorCode: "expired", updatedAt: iso })
    .where(
      and(pending, lt(scribeJobs.createdAt, new Date(now.getTime() - EXPIRY_MS).toISOString())),
    );
  const stuck = await db
    .update(scribeJobs)
    .set({ status: "queued", updatedAt: iso })
    .where(and(pending, lt(scribeJobs.updatedAt, new Date(now.getTime() - STUCK_MS).toISOString())))
    .returning({ id: scribeJobs.id });
  for (const { id } of stuck) await env.JOBS.send({ type: "scribe_job", job_id: id });
  return stuck.length;
}
