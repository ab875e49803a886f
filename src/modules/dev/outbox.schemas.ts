/** Schemas of the development outbox: stored outbound messages, decrypted for an admin. */
import { z } from "@hono/zod-openapi";
import { PageQuery } from "../../lib/pagination";

export const OutboxQuery = PageQuery.extend({
  channel: z
    .enum(["email", "sms"])
    .optional()
    .openapi({ param: { name: "channel", in: "query" } }),
});
export type OutboxQuery = z.infer<typeof OutboxQuery>;

export const OutboxMessage = z
  .object({
    id: z.string(),
    channel: z.enum(["email", "sms"]),
    template: z.string(),
    recipient: z.string(),
    subject: z.string().nullable(),
    body: z.string(),
    status: z.enum(["queued", "sending", "sent", "outbox", "failed"]),
    provider: z.string().nullable(),
    attempts: z.number().int(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi("OutboxMessage");
