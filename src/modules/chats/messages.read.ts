/** Read receipts: a participant's read cursor only moves forward, and the others are told. */
import { and, eq, isNull, sql } from "drizzle-orm";
import { chatParticipants } from "../../db/schema/chats";
import { guardedWrite } from "../../lib/guarded-write";
import { ValidationError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessChat } from "./chats.access";
import { chatAudience } from "./chats.audience";

/** Who may read the chat now (fan-out targets; see chats.audience.ts). */
export const participantsOf = chatAudience;

/**
 * Marks the chat read up to `seq` for the caller (never backwards; at most the last seq).
 * Returns the `message:read` event and whom to send it to (nobody when nothing moved).
 */
export async function markRead(
  ctx: RequestContext,
  chatId: string,
  seq: number,
  messageId: string | null = null,
) {
  const { chat, me } = await accessChat(ctx, chatId, "chat_participant.updated");
  const caller = callerOf(ctx);
  if (seq > chat.lastSeq) {
    throw new ValidationError([{ field: "seq", message: "Beyond the chat's last message" }]);
  }
  const readAt = new Date().toISOString();
  const upTo = Math.max(me.lastReadSeq, seq);
  const data = {
    chat_id: chat.id,
    message_id: messageId,
    read_by: caller.userId,
    last_read_seq: upTo,
    read_at: readAt,
  };
  const event = { event: "message:read" as const, data };
  if (upTo === me.lastReadSeq) return { event, recipients: [] as string[] };
  // No entry when the reader left the chat meanwhile: nothing was marked read.
  await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(chatParticipants)
      .set({ lastReadSeq: sql`max(${chatParticipants.lastReadSeq}, ${upTo})` })
      .where(
        and(
          eq(chatParticipants.chatId, chat.id),
          eq(chatParticipants.userId, caller.userId),
          eq(chatParticipants.workspaceId, caller.workspaceId),
          isNull(chatParticipants.removedAt),
        ),
      ),
    audit: {
      action: "chat_participant.updated",
      resourceType: "chat",
      resourceId: chat.id,
      metadata: { last_read_seq: upTo },
    },
  });
  return {
    event,
    recipients: await participantsOf(ctx.env.DB, chat.id, caller.workspaceId),
  };
}
