/**
 * The consumer of both queues, JOBS and AUDIT (audit entries of reads, in batches of up to 100).
 * Each message is validated, handled, and acknowledged only once its
 * effect is stored; a failure is retried by the queue (max_retries in wrangler.toml). Queued audit
 * entries of a batch are stored together (src/lib/audit-queue.ts); other jobs one by one.
 */
import type { Bindings } from "../env";
import { drizzle } from "drizzle-orm/d1";
import { checkpointStore, sealAndCheckpoint } from "../lib/audit-checkpoint";
import { consumeAuditMessages, storeQueuedAudit, type QueuedAuditEntry } from "../lib/audit-queue";
import { deliverMessage } from "../messaging/delivery";
import { analyzeStoredSession } from "../modules/sessions/sessions.complete";
import { escalateNotification } from "../modules/notifications/notifications.offline";
import { runScribeJob } from "../modules/scribe/scribe.jobs";
import { deliverSms } from "../modules/sms/sms.delivery";
import { JobMessage } from "./jobs.schemas";

export async function handleJobs(batch: MessageBatch<unknown>, env: Bindings) {
  const audits: { body: { entries: QueuedAuditEntry[] }; ack(): void; retry(): void }[] = [];
  const others: { message: Message<unknown>; job: JobMessage }[] = [];
  for (const message of batch.messages) {
    const parsed = JobMessage.safeParse(message.body);
    if (!parsed.success) {
      console.warn(JSON.stringify({ level: "warn", job: "invalid", id: message.id }));
      message.ack();
      continue;
    }
    if (parsed.data.type === "audit_entries") {
      const { entries } = parsed.data;
      audits.push({
        body: { entries },
        ack: () => message.ack(),
        retry: () => message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) }),
      });
    } else others.push({ message, job: parsed.data });
  }
  await consumeAuditMessages(audits, env);
  for (const { message, job } of others) {
    try {
      await runJob(job, env);
      message.ack();
    } catch (error) {
      console.error(
        JSON.stringify({ level: "error", job: job.type, error: (error as Error).name }),
      );
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}

export async function runJob(job: JobMessage, env: Bindings) {
  switch (job.type) {
    case "deliver_message":
      return deliverMessage(env, job.message_id);
    case "seal_audit":
      return sealAndCheckpoint(drizzle(env.DB), checkpointStore(env), job.workspace_id);
    case "analyze_session":
      return analyzeStoredSession(env, job.workspace_id, job.session_id);
    case "send_sms":
      return deliverSms(env, job.sms_id);
    case "scribe_job":
      return runScribeJob(env, job.job_id);
    case "notify_offline":
      await escalateNotification(env, job.notification_id);
      return;
    case "audit_entries": {
      const db = drizzle(env.DB);
      for (const workspaceId of await storeQueuedAudit(db, job.entries))
        await sealAndCheckpoint(db, checkpointStore(env), workspaceId);
      return;
    }
  }
}
