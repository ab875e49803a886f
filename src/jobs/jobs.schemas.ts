/** Messages on the JOBS queue, checked at runtime by the consumer. */
import { z } from "zod";
import { QueuedAuditEntry } from "../lib/audit-queue";

export const JobMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("deliver_message"), message_id: z.string() }),
  z.object({ type: z.literal("seal_audit"), workspace_id: z.string().nullable() }),
  z.object({
    type: z.literal("analyze_session"),
    workspace_id: z.string(),
    session_id: z.string(),
  }),
  z.object({
    type: z.literal("audit_entries"),
    entries: z.array(QueuedAuditEntry).min(1).max(100),
  }),
  z.object({ type: z.literal("send_sms"), sms_id: z.string() }),
  z.object({ type: z.literal("scribe_job"), job_id: z.string() }),
  z.object({ type: z.literal("notify_offline"), notification_id: z.string() }),
]);
export type JobMessage = z.infer<typeof JobMessage>;
