/**
 * Message verbs over HTTP, and opening a chat's socket. Sending goes through the chat's Durable
 * Object (which numbers and stores the message, then fans it out); the other verbs act on D1 and
 * ask the room to tell the participants.
 */
import { and, eq } from "drizzle-orm";
import { chatMessages } from "../../db/schema/chats";
import { auditEntry, recordAudit } from "../../lib/audit";
import { NotFoundError, ValidationError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { identityOf, openRoomSocket } from "../../realtime/socket";
import { chatRoom, metaOf, streamCallerOf } from "./chat-room.client";
import { accessChat } from "./chats.access";
import { bodyRef, messageView, type MessageRow } from "./chats.data";
import { assertMessageMedia } from "./chats.media";
import type { SendMessageInput } from "./chats.schemas";
import { markRead, participantsOf } from "./messages.read";

/**
 * Sends a message to a chat the caller is in. `client_message_id` (or the Idempotency-Key) makes
 * a resend return the first message (`replayed`) instead of storing a second one.
 */
export async function sendMessage(
  ctx: RequestContext,
  chatId: string,
  input: SendMessageInput,
  idempotencyKey?: string,
) {
  await accessChat(ctx, chatId, "chat_message.created");
  await assertMessageMedia(ctx, chatId, input);
  const body = { ...input, client_message_id: input.client_message_id ?? idempotencyKey };
  const room = await chatRoom(ctx.env, chatId);
  return room.post(streamCallerOf(ctx), body, metaOf(ctx));
}

/** Loads a message of a chat the caller is in (404 otherwise, audited). */
async function accessMessage(
  ctx: RequestContext,
  messageId: string,
  action: "chat_message.read" | "chat_message.updated" | "chat_message.deleted",
) {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(chatMessages)
      .where(and(eq(chatMessages.id, messageId), eq(chatMessages.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  const row = rows[0];
  if (!row) {
    await recordAudit(ctx, {
      action,
      resourceType: "chat_message",
      resourceId: messageId,
      outcome: "not_found",
    });
    throw new NotFoundError("Message");
  }
  // A message of a chat the caller cannot reach answers like an unknown message (the refusal
  // stays audited by accessChat), so a real message id does not answer "Chat not found".
  try {
    const access = await accessChat(ctx, row.chatId, action);
    return { row, ...access };
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("Message");
    throw err;
  }
}

const readerOf = (ctx: RequestContext, lastReadSeq: number) => ({
  userId: callerOf(ctx).userId,
  lastReadSeq,
  othersReadSeq: 0,
});

/** One message (audited as `chat_message.read`). */
export async function getMessage(ctx: RequestContext, messageId: string) {
  const { row, me } = await accessMessage(ctx, messageId, "chat_message.read");
  await recordAudit(ctx, {
    action: "chat_message.read",
    resourceType: "chat_message",
    resourceId: row.id,
  });
  return messageView(ctx.phi, row, readerOf(ctx, me.lastReadSeq));
}

async function refuse(
  ctx: RequestContext,
  row: MessageRow,
  action: "chat_message.updated" | "chat_message.deleted",
  reason: string,
): Promise<never> {
  await recordAudit(ctx, {
    action,
    resourceType: "chat_message",
    resourceId: row.id,
    outcome: "denied",
    metadata: { reason },
  });
  // Same answer as an unknown message: the refusal must not tell a real id from a random one.
  throw new NotFoundError("Message");
}

async function tellParticipants(
  ctx: RequestContext,
  chatId: string,
  event: "message:updated" | "message:deleted",
  data: Record<string, unknown>,
) {
  const caller = callerOf(ctx);
  const recipients = await participantsOf(ctx.env.DB, chatId, caller.workspaceId);
  const room = await chatRoom(ctx.env, chatId);
  await room.publish(recipients, { event, data });
}

/** Edits the caller's own text message; the first body is kept (`original_body_enc`), `edited_at` set. */
export async function editMessage(ctx: RequestContext, messageId: string, content: string) {
  const { row, me } = await accessMessage(ctx, messageId, "chat_message.updated");
  const caller = callerOf(ctx);
  if (row.senderId !== caller.userId) await refuse(ctx, row, "chat_message.updated", "not_sender");
  if (row.deletedAt || row.type !== "text") {
    throw new ValidationError([
      { field: "content", message: "Only a text message that is not deleted can be edited" },
    ]);
  }
  const original =
    row.originalBodyEnc ??
    (await ctx.phi.encrypt(
      await ctx.phi.decrypt(row.bodyEnc!, bodyRef(row.id)),
      bodyRef(row.id, "original_body"),
    ));
  const now = new Date().toISOString();
  const set = {
    bodyEnc: await ctx.phi.encrypt(content, bodyRef(row.id)),
    originalBodyEnc: original,
    editedAt: now,
  };
  await ctx.db.write([
    ctx.db.orm
      .update(chatMessages)
      .set(set)
      .where(and(eq(chatMessages.id, row.id), eq(chatMessages.workspaceId, caller.workspaceId))),
    (
      await auditEntry(ctx, {
        action: "chat_message.updated",
        resourceType: "chat_message",
        resourceId: row.id,
        metadata: { chat_id: row.chatId },
      })
    ).query,
  ]);
  const view = await messageView(ctx.phi, { ...row, ...set }, readerOf(ctx, me.lastReadSeq));
  await tellParticipants(ctx, row.chatId, "message:updated", view);
  return view;
}

/** Soft-deletes a message (its sender or a chat admin); it keeps its place without content. */
export async function deleteMessage(ctx: RequestContext, messageId: string) {
  const { row, me } = await accessMessage(ctx, messageId, "chat_message.deleted");
  const caller = callerOf(ctx);
  if (row.senderId !== caller.userId && !me.isAdmin)
    await refuse(ctx, row, "chat_message.deleted", "not_sender");
  if (row.deletedAt) return;
  const now = new Date().toISOString();
  await ctx.db.write([
    ctx.db.orm
      .update(chatMessages)
      .set({ deletedAt: now })
      .where(and(eq(chatMessages.id, row.id), eq(chatMessages.workspaceId, caller.workspaceId))),
    (
      await auditEntry(ctx, {
        action: "chat_message.deleted",
        resourceType: "chat_message",
        resourceId: row.id,
        metadata: { chat_id: row.chatId },
      })
    ).query,
  ]);
  await tellParticipants(ctx, row.chatId, "message:deleted", {
    id: row.id,
    chat_id: row.chatId,
    seq: row.seq,
    deleted_at: now,
  });
}

async function announceRead(
  ctx: RequestContext,
  chatId: string,
  read: Awaited<ReturnType<typeof markRead>>,
) {
  if (read.recipients.length)
    await (await chatRoom(ctx.env, chatId)).publish(read.recipients, read.event);
  return {
    chat_id: chatId,
    last_read_seq: read.event.data.last_read_seq,
    read_at: read.event.data.read_at,
  };
}

/** Marks the chat read up to this message for the caller (read receipt to the others). */
export async function readMessage(ctx: RequestContext, messageId: string) {
  const { row } = await accessMessage(ctx, messageId, "chat_message.read");
  return announceRead(ctx, row.chatId, await markRead(ctx, row.chatId, row.seq, row.id));
}

/** Marks every message of the chat read for the caller. */
export async function readAllMessages(ctx: RequestContext, chatId: string) {
  const { chat } = await accessChat(ctx, chatId, "chat_participant.updated");
  return announceRead(ctx, chatId, await markRead(ctx, chatId, chat.lastSeq));
}

/**
 * Opens a chat's socket: token and session checked, then participation (404 audited otherwise),
 * then the upgrade goes to the chat's room with the caller's identity.
 */
export async function connectChat(
  ctx: RequestContext,
  request: Request,
  chatId: string,
  token: string | null,
) {
  return openRoomSocket(ctx, request, token, {
    room: "chat",
    subprotocol: "rehab",
    open: async (caller) => {
      await accessChat(ctx, chatId, "chat.read");
      return {
        room: await chatRoom(ctx.env, chatId),
        handoff: { caller: identityOf(caller), setup: undefined },
      };
    },
  });
}
