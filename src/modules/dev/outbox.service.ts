/**
 * The development outbox: the workspace's outbound email and SMS, decrypted, for an admin to read
 * while no provider is configured. Invariant: it does not exist in production (404, as for an
 * unknown route), and every listing is audited.
 */
import { and, count, desc, eq } from "drizzle-orm";
import { outboundMessages } from "../../db/schema/messaging";
import { auditEntry } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import { offsetOf } from "../../lib/pagination";
import { outboundRef } from "../../messaging/outbound";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import type { OutboxQuery } from "./outbox.schemas";

export const OUTBOX_PATH = "/api/v1/dev/outbox";

/** The answer production gives: the same as for a route that does not exist. */
export const outboxAbsent = (method: string) =>
  new AppError("NOT_FOUND", `No route for ${method} ${OUTBOX_PATH}`);

type MessageRow = typeof outboundMessages.$inferSelect;

async function presentMessage(ctx: RequestContext, row: MessageRow) {
  return {
    id: row.id,
    channel: row.channel,
    template: row.template,
    recipient: await ctx.phi.decrypt(row.recipientEnc, outboundRef(row.id, "recipient")),
    subject: await ctx.phi.decryptOptional(row.subjectEnc, outboundRef(row.id, "subject")),
    body: await ctx.phi.decrypt(row.bodyEnc, outboundRef(row.id, "body")),
    status: row.status,
    provider: row.provider,
    attempts: row.attempts,
    created_at: row.createdAt,
    sent_at: row.sentAt,
  };
}

/** Newest first, optionally one channel; admins only ('outbox.read'). */
export async function listOutbox(ctx: RequestContext, query: OutboxQuery) {
  if (ctx.env.ENVIRONMENT === "production") throw outboxAbsent("GET");
  const caller = await requirePermission(ctx, "outbox.read", {
    action: "outbox.listed",
    resourceType: "outbox",
  });
  const where = and(
    eq(outboundMessages.workspaceId, caller.workspaceId),
    query.channel ? eq(outboundMessages.channel, query.channel) : undefined,
  );
  const [rows, totals] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(outboundMessages)
      .where(where)
      .orderBy(desc(outboundMessages.createdAt), desc(outboundMessages.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm.select({ total: count() }).from(outboundMessages).where(where),
    (
      await auditEntry(ctx, {
        action: "outbox.listed",
        resourceType: "outbox",
        metadata: { page: query.page, channel: query.channel ?? null },
      })
    ).query,
  ]);
  return {
    items: await Promise.all(rows.map((row) => presentMessage(ctx, row))),
    total: totals[0]?.total ?? 0,
  };
}
