/** Chat reads: the caller's chats (last message, unread count, pinned filter) and one chat with a page of messages. */
import { and, count, desc, eq, inArray, isNull, lt, max, ne, sql } from "drizzle-orm";
import { chatMessages, chatParticipants, chats } from "../../db/schema/chats";
import { users } from "../../db/schema/users";
import { recordAudit } from "../../lib/audit";
import { callerOf } from "../../middleware/auth";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { accessChat, qualified } from "./chats.access";
import { reachableNow } from "./chats.audience";
import { chatView, messageView } from "./chats.data";
import type { Chat, ChatGetQuery, ChatListQuery } from "./chats.schemas";

/** SQL: messages of `chatId` after the reader's cursor, from others, not deleted. */
function unreadCount(chatId: unknown, userId: string, lastReadSeq: unknown) {
  return sql<number>`(select count(*) from ${chatMessages} where ${chatMessages.chatId} = ${chatId}
    and ${chatMessages.seq} > ${lastReadSeq} and ${chatMessages.senderId} != ${userId}
    and ${chatMessages.deletedAt} is null)`;
}

function visibleChats(caller: Caller, query: ChatListQuery) {
  const conditions = [
    eq(chats.workspaceId, caller.workspaceId),
    isNull(chats.deletedAt),
    eq(chatParticipants.userId, caller.userId),
    isNull(chatParticipants.removedAt),
  ];
  if (query.type) conditions.push(eq(chats.type, query.type));
  if (query.pinned) conditions.push(eq(chatParticipants.isPinned, query.pinned === "true"));
  // Only the chats the caller may reach now (chats.audience.ts), whatever their rows say.
  conditions.push(sql`${reachableNow()}`);
  return and(...conditions);
}

/** The caller's chats, most recently active first, with unread counts; audited as `chat.listed`. */
export async function listChats(ctx: RequestContext, query: ChatListQuery) {
  const caller = callerOf(ctx);
  const where = visibleChats(caller, query);
  const [rows, [total]] = await ctx.db.read([
    ctx.db.orm
      .select({
        chat: chats,
        isPinned: chatParticipants.isPinned,
        lastReadSeq: chatParticipants.lastReadSeq,
        unread: unreadCount(
          qualified("chats", "id"),
          caller.userId,
          qualified("chat_participants", "last_read_seq"),
        ).as("unread"),
      })
      .from(chats)
      .innerJoin(chatParticipants, eq(chatParticipants.chatId, chats.id))
      .innerJoin(users, eq(users.id, chatParticipants.userId))
      .where(where)
      .orderBy(desc(sql`coalesce(${chats.lastMessageAt}, ${chats.createdAt})`), desc(chats.id))
      .limit(query.page_size)
      .offset((query.page - 1) * query.page_size),
    ctx.db.orm
      .select({ n: count() })
      .from(chats)
      .innerJoin(chatParticipants, eq(chatParticipants.chatId, chats.id))
      .innerJoin(users, eq(users.id, chatParticipants.userId))
      .where(where),
  ]);
  const lastIds = rows.map((r) => r.chat.lastMessageId).filter((id): id is string => !!id);
  const [lasts] = lastIds.length
    ? await ctx.db.read([
        ctx.db.orm.select().from(chatMessages).where(inArray(chatMessages.id, lastIds)),
      ])
    : [[]];
  const byId = new Map(lasts.map((m) => [m.id, m]));
  const items: Chat[] = [];
  for (const r of rows) {
    const last = r.chat.lastMessageId ? (byId.get(r.chat.lastMessageId) ?? null) : null;
    items.push(await chatView(ctx.phi, r.chat, r, Number(r.unread), last));
  }
  await recordAudit(ctx, {
    action: "chat.listed",
    resourceType: "chat",
    metadata: { count: items.length },
  });
  return { items, total: total?.n ?? 0 };
}

/** One chat with its participants and a page of messages (newest first, cursor `before_seq`). */
export async function getChat(ctx: RequestContext, chatId: string, query: Partial<ChatGetQuery>) {
  const { chat, me } = await accessChat(ctx, chatId, "chat.read");
  const caller = callerOf(ctx);
  const limit = query.limit ?? 50;
  const page = [eq(chatMessages.chatId, chat.id), eq(chatMessages.workspaceId, chat.workspaceId)];
  if (query.before_seq) page.push(lt(chatMessages.seq, query.before_seq));
  const [people, messages, [others], [unread]] = await ctx.db.read([
    ctx.db.orm
      .select({
        userId: chatParticipants.userId,
        isAdmin: chatParticipants.isAdmin,
        joinedAt: chatParticipants.joinedAt,
        role: users.role,
      })
      .from(chatParticipants)
      .innerJoin(chats, eq(chats.id, chatParticipants.chatId))
      .innerJoin(users, eq(users.id, chatParticipants.userId))
      .where(and(eq(chatParticipants.chatId, chat.id), sql`${reachableNow()}`)),
    ctx.db.orm
      .select()
      .from(chatMessages)
      .where(and(...page))
      .orderBy(desc(chatMessages.seq))
      .limit(limit + 1),
    ctx.db.orm
      .select({ seq: max(chatParticipants.lastReadSeq) })
      .from(chatParticipants)
      .where(
        and(
          eq(chatParticipants.chatId, chat.id),
          ne(chatParticipants.userId, caller.userId),
          isNull(chatParticipants.removedAt),
        ),
      ),
    ctx.db.orm
      .select({ n: unreadCount(chat.id, caller.userId, me.lastReadSeq) })
      .from(chats)
      .where(eq(chats.id, chat.id)),
  ]);
  const pageRows = messages.slice(0, limit);
  const reader = {
    userId: caller.userId,
    lastReadSeq: me.lastReadSeq,
    othersReadSeq: others?.seq ?? 0,
  };
  const views = [];
  for (const m of pageRows) views.push(await messageView(ctx.phi, m, reader));
  const latest = !query.before_seq ? (pageRows[0] ?? null) : null;
  const view = await chatView(ctx.phi, chat, me, Number(unread?.n ?? 0), latest);
  await recordAudit(ctx, {
    action: "chat.read",
    resourceType: "chat",
    resourceId: chat.id,
    metadata: { messages: views.length },
  });
  return {
    ...view,
    participants: people.map((p) => ({
      user_id: p.userId,
      role: p.role,
      is_admin: p.isAdmin,
      joined_at: p.joinedAt,
    })),
    messages: views,
    next_before_seq: messages.length > limit ? pageRows[pageRows.length - 1]!.seq : null,
  };
}
