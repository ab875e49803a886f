/**
 * Writing one message, as the chat's Durable Object does it (it calls this one at a time per chat).
 *
 * Invariants: the seq is `chats.last_seq + 1`, read from D1 in the same round trip as the checks
 * and written back in the same batch as the message, so D1 stays the only record and an evicted
 * object loses nothing (its successor reads the same `last_seq`); the unique (chat_id, seq) index
 * refuses a second writer. A known `client_message_id` returns the stored message unchanged. The
 * sender must still be an active participant (and a family sender still hold the `chat` scope).
 */
import { and, eq, isNull } from "drizzle-orm";
import { chatMessages, chatParticipants, chats } from "../../db/schema/chats";
import { auditEntry, recordAudit } from "../../lib/audit";
import { ForbiddenError, NotFoundError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { familyChatGrant, qualified } from "./chats.access";
import { assertMessageMedia } from "./chats.media";
import { bodyRef, messageView, type MessageRow } from "./chats.data";
import type { Message, SendMessageInput } from "./chats.schemas";

export type CommitResult = { message: Message; replayed: boolean; recipients: string[] };

/**
 * Checks, numbers, encrypts and stores one message with its audit entry; see the invariants.
 * `inboundSms`: the sender is the SMS chat's patient texting in (the Twilio webhook checked the
 * signature), not a participant; only an SMS chat takes it.
 */
export async function commitMessage(
  ctx: RequestContext,
  chatId: string,
  input: SendMessageInput,
  inboundSms = false,
): Promise<CommitResult> {
  const caller = callerOf(ctx);
  const clientId = input.client_message_id ?? null;
  const [chatRows, members, existing] = await ctx.db.read([
    ctx.db.orm
      .select({
        lastSeq: chats.lastSeq,
        type: chats.type,
        familyGrant: familyChatGrant(qualified("chats", "patient_id"), caller.userId).as(
          "family_grant",
        ),
      })
      .from(chats)
      .where(
        and(
          eq(chats.id, chatId),
          eq(chats.workspaceId, caller.workspaceId),
          isNull(chats.deletedAt),
        ),
      ),
    ctx.db.orm
      .select({ userId: chatParticipants.userId, isAdmin: chatParticipants.isAdmin })
      .from(chatParticipants)
      .where(and(eq(chatParticipants.chatId, chatId), isNull(chatParticipants.removedAt))),
    ctx.db.orm
      .select()
      .from(chatMessages)
      .where(
        and(
          eq(chatMessages.chatId, chatId),
          eq(chatMessages.senderId, caller.userId),
          eq(chatMessages.clientMessageId, clientId ?? ""),
        ),
      )
      .limit(1),
  ]);
  const chat = chatRows[0];
  const me = members.find((m) => m.userId === caller.userId);
  const familyLocked =
    caller.role === "family" && (chat?.type !== "Family Update" || !chat?.familyGrant);
  const senderOk = inboundSms ? chat?.type === "SMS" : Boolean(me) && !familyLocked;
  if (!chat || !senderOk) {
    await recordAudit(ctx, {
      action: "chat_message.created",
      resourceType: "chat",
      resourceId: chatId,
      outcome: chat && (me || inboundSms) ? "denied" : "not_found",
    });
    throw new NotFoundError("Chat");
  }
  const recipients = members.map((m) => m.userId);
  const reader = { userId: caller.userId, lastReadSeq: 0, othersReadSeq: 0 };
  if (existing[0]) {
    return { message: await messageView(ctx.phi, existing[0], reader), replayed: true, recipients };
  }
  if (chat.type === "Broadcast" && !me?.isAdmin) {
    await recordAudit(ctx, {
      action: "chat_message.created",
      resourceType: "chat",
      resourceId: chatId,
      outcome: "denied",
      metadata: { reason: "broadcast_admins_only" },
    });
    throw new ForbiddenError();
  }
  await assertMessageMedia(ctx, chatId, input);
  const content = input.type === "voice" ? null : (input.content ?? null);
  const id = uuidv7();
  const seq = chat.lastSeq + 1;
  const now = new Date().toISOString();
  const row: MessageRow = {
    id,
    workspaceId: caller.workspaceId,
    chatId,
    seq,
    senderId: caller.userId,
    type: input.type,
    bodyEnc: content === null ? null : await ctx.phi.encrypt(content, bodyRef(id)),
    originalBodyEnc: null,
    mediaId: input.type === "text" ? null : input.media_id,
    voiceSeconds: input.type === "voice" ? input.voice_seconds : null,
    clientMessageId: clientId,
    createdAt: now,
    editedAt: null,
    deletedAt: null,
  };
  await ctx.db.write([
    ctx.db.orm.insert(chatMessages).values(row),
    ctx.db.orm
      .update(chats)
      .set({ lastSeq: seq, lastMessageId: id, lastMessageAt: now, updatedAt: now })
      .where(and(eq(chats.id, chatId), eq(chats.workspaceId, caller.workspaceId))),
    ctx.db.orm
      .update(chatParticipants)
      .set({ lastReadSeq: seq })
      .where(and(eq(chatParticipants.chatId, chatId), eq(chatParticipants.userId, caller.userId))),
    (
      await auditEntry(ctx, {
        action: "chat_message.created",
        resourceType: "chat_message",
        resourceId: id,
        metadata: {
          chat_id: chatId,
          seq,
          type: input.type,
          ...(input.type !== "text" && { media_id: input.media_id }),
        },
      })
    ).query,
  ]);
  return { message: await messageView(ctx.phi, row, reader), replayed: false, recipients };
}
