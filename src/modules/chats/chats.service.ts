/**
 * Chat verbs: create, update, pin, participants, soft delete. Messages are in messages.service.ts.
 * Every verb scopes by the caller's workspace, goes through `accessChat` (404 for outsiders) and
 * writes its change with its audit entry in one batch.
 */
import { and, eq, isNull } from "drizzle-orm";
import { chatParticipants, chats } from "../../db/schema/chats";
import { auditEntry, recordAudit } from "../../lib/audit";
import { guardedWrite } from "../../lib/guarded-write";
import { ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, isStaff, requirePermission } from "../../policy/policy";
import { closeChatSockets } from "./chat-room.client";
import { accessChat, checkParticipants } from "./chats.access";
import { chatRef, chatView } from "./chats.data";
import type { Chat, CreateChatInput, UpdateChatInput } from "./chats.schemas";
import { getChat } from "./chats.reads";

const NEEDS_PATIENT = ["Care Team", "Family Update"];

/**
 * Creates a chat with the caller as its admin participant. The type constrains the participants
 * (see `checkParticipants`); Care Team and Family Update chats need a patient the caller may see;
 * SMS chats need a phone number. Staff only (403 audited otherwise).
 */
export async function createChat(ctx: RequestContext, input: CreateChatInput): Promise<Chat> {
  const caller = await requirePermission(ctx, "chats.create", {
    action: "chat.created",
    resourceType: "chat",
  });
  const issues = [];
  if (NEEDS_PATIENT.includes(input.type) && !input.patient_id)
    issues.push({ field: "patient_id", message: `A ${input.type} chat is about a patient` });
  if (input.type === "SMS" && !input.phone_number)
    issues.push({ field: "phone_number", message: "An SMS chat needs a phone number" });
  const others = input.participant_ids.filter((id) => id !== caller.userId);
  if (input.type === "Direct" && others.length !== 1)
    issues.push({
      field: "participant_ids",
      message: "A Direct chat has exactly one other person",
    });
  if (issues.length) throw new ValidationError(issues);
  const patientId = input.patient_id ?? null;
  if (patientId) await accessPatient(ctx, patientId, "read", { action: "chat.created" });
  await checkParticipants(ctx, input.type, patientId, [caller.userId, ...others]);
  const id = uuidv7();
  const now = new Date().toISOString();
  const row = {
    id,
    workspaceId: caller.workspaceId,
    type: input.type,
    nameEnc: await ctx.phi.encrypt(input.name, chatRef(id, "name")),
    patientId,
    phoneEnc: await ctx.phi.encryptOptional(input.phone_number, chatRef(id, "phone")),
    createdBy: caller.userId,
    createdAt: now,
    updatedAt: now,
  };
  const members = [caller.userId, ...new Set(others)].map((userId) => ({
    id: uuidv7(),
    workspaceId: caller.workspaceId,
    chatId: id,
    userId,
    isAdmin: userId === caller.userId,
    joinedAt: now,
  }));
  await ctx.db.write([
    ctx.db.orm.insert(chats).values(row),
    ctx.db.orm.insert(chatParticipants).values(members),
    (
      await auditEntry(ctx, {
        action: "chat.created",
        resourceType: "chat",
        resourceId: id,
        metadata: { type: input.type, patient_id: patientId, participants: members.length },
      })
    ).query,
  ]);
  return chatView(
    ctx.phi,
    { ...row, lastSeq: 0, lastMessageId: null, lastMessageAt: null, deletedAt: null },
    { isPinned: false, lastReadSeq: 0 },
    0,
    null,
  );
}

/** Renames a chat (its admins) and/or pins it for the caller (anyone in it). */
export async function updateChat(ctx: RequestContext, chatId: string, input: UpdateChatInput) {
  const { chat, me } = await accessChat(ctx, chatId, "chat.updated");
  const caller = callerOf(ctx);
  if (input.name !== undefined && !me.isAdmin) {
    await denied(ctx, chatId, "chat.updated", "not_chat_admin");
  }
  const now = new Date().toISOString();
  const writes = [];
  if (input.name !== undefined) {
    const nameEnc = await ctx.phi.encrypt(input.name, chatRef(chat.id, "name"));
    writes.push(
      ctx.db.orm
        .update(chats)
        .set({ nameEnc, updatedAt: now })
        .where(and(eq(chats.id, chat.id), eq(chats.workspaceId, caller.workspaceId))),
    );
  }
  if (input.is_pinned !== undefined) writes.push(pinQuery(ctx, chat.id, input.is_pinned));
  const fields = Object.keys(input);
  await ctx.db.write([
    ...writes,
    (
      await auditEntry(ctx, {
        action: "chat.updated",
        resourceType: "chat",
        resourceId: chat.id,
        metadata: { fields },
      })
    ).query,
  ] as never);
  return getChat(ctx, chatId, { limit: 1 });
}

function pinQuery(ctx: RequestContext, chatId: string, pinned: boolean) {
  const caller = callerOf(ctx);
  return ctx.db.orm
    .update(chatParticipants)
    .set({ isPinned: pinned })
    .where(
      and(
        eq(chatParticipants.chatId, chatId),
        eq(chatParticipants.userId, caller.userId),
        eq(chatParticipants.workspaceId, caller.workspaceId),
      ),
    );
}

/** Toggles the caller's pin on a chat; returns the new state. */
export async function togglePin(ctx: RequestContext, chatId: string) {
  const { chat, me } = await accessChat(ctx, chatId, "chat.updated");
  const pinned = !me.isPinned;
  await ctx.db.write([
    pinQuery(ctx, chat.id, pinned),
    (
      await auditEntry(ctx, {
        action: "chat.updated",
        resourceType: "chat",
        resourceId: chat.id,
        metadata: { fields: ["is_pinned"] },
      })
    ).query,
  ]);
  return { chat_id: chat.id, is_pinned: pinned };
}

type ChatAdminAction =
  "chat.updated" | "chat.deleted" | "chat_participant.created" | "chat_participant.deleted";

/**
 * A participant who is not the chat's admin: refused (audited) with the same 404 as an unknown
 * chat, so the answer does not tell a real chat id from a random one (issue 12).
 */
async function denied(
  ctx: RequestContext,
  chatId: string,
  action: ChatAdminAction,
  reason: string,
): Promise<never> {
  await recordAudit(ctx, {
    action,
    resourceType: "chat",
    resourceId: chatId,
    outcome: "denied",
    metadata: { reason },
  });
  throw new NotFoundError("Chat");
}

/**
 * Chat admins are the chats' creators, so staff only: any other role is refused (403, audited)
 * before the chat is looked up, for a real id and a random one alike.
 */
async function requireStaffChatAdmin(
  ctx: RequestContext,
  chatId: string,
  action: ChatAdminAction,
): Promise<void> {
  if (isStaff(callerOf(ctx).role)) return;
  await recordAudit(ctx, {
    action,
    resourceType: "chat",
    resourceId: chatId,
    outcome: "denied",
    metadata: { reason: "role" },
  });
  throw new ForbiddenError();
}

/** Adds a participant (chat admins); the chat's type rules apply. Re-adding a removed one restores it. */
export async function addParticipant(ctx: RequestContext, chatId: string, userId: string) {
  await requireStaffChatAdmin(ctx, chatId, "chat_participant.created");
  const { chat, me } = await accessChat(ctx, chatId, "chat_participant.created");
  if (!me.isAdmin) await denied(ctx, chatId, "chat_participant.created", "not_chat_admin");
  if (chat.type === "Direct") {
    throw new ValidationError([{ field: "user_id", message: "A Direct chat has two people" }]);
  }
  await checkParticipants(ctx, chat.type, chat.patientId, [userId], "user_id");
  const caller = callerOf(ctx);
  const now = new Date().toISOString();
  await ctx.db.write([
    ctx.db.orm
      .insert(chatParticipants)
      .values({
        id: uuidv7(),
        workspaceId: caller.workspaceId,
        chatId: chat.id,
        userId,
        joinedAt: now,
      })
      .onConflictDoUpdate({
        target: [chatParticipants.chatId, chatParticipants.userId],
        set: { removedAt: null, joinedAt: now },
      }),
    (
      await auditEntry(ctx, {
        action: "chat_participant.created",
        resourceType: "chat",
        resourceId: chat.id,
        metadata: { user_id: userId },
      })
    ).query,
  ]);
  return getChat(ctx, chatId, { limit: 1 });
}

/**
 * Removes a participant (chat admins, or anyone leaving). Their open sockets on the chat close.
 * Removing someone not in the chat is a 404.
 */
export async function removeParticipant(ctx: RequestContext, chatId: string, userId: string) {
  const caller = callerOf(ctx);
  if (userId !== caller.userId) {
    await requireStaffChatAdmin(ctx, chatId, "chat_participant.deleted");
  }
  const { chat, me } = await accessChat(ctx, chatId, "chat_participant.deleted");
  if (userId !== caller.userId && !me.isAdmin)
    await denied(ctx, chatId, "chat_participant.deleted", "not_chat_admin");
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(chatParticipants)
      .set({ removedAt: new Date().toISOString() })
      .where(
        and(
          eq(chatParticipants.chatId, chat.id),
          eq(chatParticipants.userId, userId),
          eq(chatParticipants.workspaceId, caller.workspaceId),
          isNull(chatParticipants.removedAt),
        ),
      ),
    audit: {
      action: "chat_participant.deleted",
      resourceType: "chat",
      resourceId: chat.id,
      metadata: { user_id: userId },
    },
  });
  if (!changed) {
    throw new NotFoundError("Participant");
  }
  await closeChatSockets(ctx.env, chat.id, userId);
}

/** Soft-deletes a chat (its admins); messages stay for the record, sockets close. */
export async function deleteChat(ctx: RequestContext, chatId: string) {
  await requireStaffChatAdmin(ctx, chatId, "chat.deleted");
  const { chat, me } = await accessChat(ctx, chatId, "chat.deleted");
  if (!me.isAdmin) await denied(ctx, chatId, "chat.deleted", "not_chat_admin");
  const caller = callerOf(ctx);
  const now = new Date().toISOString();
  await ctx.db.write([
    ctx.db.orm
      .update(chats)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(chats.id, chat.id), eq(chats.workspaceId, caller.workspaceId))),
    (await auditEntry(ctx, { action: "chat.deleted", resourceType: "chat", resourceId: chat.id }))
      .query,
  ]);
  await closeChatSockets(ctx.env, chat.id, null);
}
