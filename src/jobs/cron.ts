/**
 * The cron triggers. Every 5 minutes: seals the audit chains and removes expired credentials
 * (magic links, refresh tokens, used TOTP steps, idempotency keys) so they cannot pile up, and
 * hands back to the queue any message whose delivery claimed it and then died; indexes the phone
 * numbers of patient records stored before `patients.phone_index` existed. Daily
 * (`RETENTION_CRON`): audit retention (src/lib/audit-retention.ts).
 */
import { drizzle } from "drizzle-orm/d1";
import { and, eq, lt } from "drizzle-orm";
import type { Bindings } from "../env";
import { magicLinks, mfaUsedSteps, refreshTokens } from "../db/schema/auth";
import { idempotencyKeys } from "../db/schema/idempotency";
import { outboundMessages } from "../db/schema/messaging";
import { unsealedWorkspaces } from "../lib/audit";
import { checkpointStore, sealAndCheckpoint } from "../lib/audit-checkpoint";
import { runAuditRetention } from "../lib/audit-retention";
import { cleanupAbandonedMedia } from "../modules/media/media.cleanup";
import { requeueStuckScribeJobs } from "../modules/scribe/scribe.recovery";
import { indexPatientPhones } from "../modules/sms/sms.backfill";
import { requeueStuckSms } from "../modules/sms/sms.delivery";

/** The daily schedule of audit retention; must equal the second entry of wrangler.toml's crons. */
export const RETENTION_CRON = "30 3 * * *";

/** Runs the job of a cron schedule (the `cron` string of the scheduled event). */
export function runScheduled(cron: string, env: Bindings, now: Date) {
  return cron === RETENTION_CRON ? runAuditRetention(env, now) : runCron(env, now);
}

export async function runCron(env: Bindings, now = new Date()) {
  const db = drizzle(env.DB);
  const iso = now.toISOString();
  const dayAgo = new Date(now.getTime() - 24 * 3600_000).toISOString();
  const tenMinutesAgo = new Date(now.getTime() - 10 * 60_000).toISOString();
  await db.batch([
    db.delete(magicLinks).where(lt(magicLinks.expiresAt, dayAgo)),
    db.delete(refreshTokens).where(lt(refreshTokens.expiresAt, iso)),
    db.delete(mfaUsedSteps).where(lt(mfaUsedSteps.createdAt, dayAgo)),
    db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, dayAgo)),
    // A delivery that claimed a message and then died: hand it back to the queue.
    db
      .update(outboundMessages)
      .set({ status: "queued" })
      .where(
        and(eq(outboundMessages.status, "sending"), lt(outboundMessages.claimedAt, tenMinutesAgo)),
      ),
  ]);
  await cleanupAbandonedMedia(env, now);
  await requeueStuckSms(env, now);
  await indexPatientPhones(env);
  await requeueStuckScribeJobs(env, now);
  let sealed = 0;
  for (const workspaceId of await unsealedWorkspaces(db))
    sealed += await sealAndCheckpoint(db, checkpointStore(env), workspaceId);
  return { sealed };
}
