/**
 * Queuing an email or SMS: the message is stored encrypted in the caller's batch, then handed to
 * the JOBS queue for delivery. The row exists before anything is acknowledged.
 */
import { outboundMessages } from "../db/schema/messaging";
import { uuidv7 } from "../lib/ids";
import type { RequestContext } from "../middleware/request-context";

export type Outbound = {
  channel: "email" | "sms";
  template: string;
  recipient: string;
  subject?: string;
  body: string;
  workspaceId: string | null;
};

const ref = (id: string, column: string) => ({ table: "outbound_messages", column, rowId: id });

/** Returns the insert to include in a write batch, and `dispatch` to call once it is stored. */
export async function prepareOutbound(ctx: RequestContext, message: Outbound) {
  const id = uuidv7();
  const insert = ctx.db.orm.insert(outboundMessages).values({
    id,
    workspaceId: message.workspaceId,
    channel: message.channel,
    template: message.template,
    recipientEnc: await ctx.phi.encrypt(message.recipient, ref(id, "recipient")),
    subjectEnc: await ctx.phi.encryptOptional(message.subject, ref(id, "subject")),
    bodyEnc: await ctx.phi.encrypt(message.body, ref(id, "body")),
    status: "queued",
    createdAt: new Date().toISOString(),
  });
  const dispatch = () => ctx.env.JOBS.send({ type: "deliver_message", message_id: id });
  return { id, insert, dispatch };
}

export const outboundRef = ref;
