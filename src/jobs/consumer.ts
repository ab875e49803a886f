/**
 * The JOBS queue consumer. Each message is validated, handled, and acknowledged only once its
 * effect is stored; a failure is retried by the queue (max_retries in wrangler.toml).
 */
import type { Bindings } from "../env";
import { drizzle } from "drizzle-orm/d1";
import { checkpointStore, sealAndCheckpoint } from "../lib/audit-checkpoint";
import { deliverMessage } from "../messaging/delivery";
import { JobMessage } from "./jobs.schemas";

export async function handleJobs(batch: MessageBatch<unknown>, env: Bindings) {
  for (const message of batch.messages) {
    const parsed = JobMessage.safeParse(message.body);
    if (!parsed.success) {
      console.warn(JSON.stringify({ level: "warn", job: "invalid", id: message.id }));
      message.ack();
      continue;
    }
    try {
      await runJob(parsed.data, env);
      message.ack();
    } catch (error) {
      console.error(
        JSON.stringify({ level: "error", job: parsed.data.type, error: (error as Error).name }),
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
  }
}
