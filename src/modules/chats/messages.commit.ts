/**
 * Writing messages, as the chat's Durable Object does it: one batch at a time per chat, holding
 * every message that arrived while the previous batch was being written (group commit).
 *
 * Invariants: seqs continue `chats.last_seq`, read from D1 in the same round trip as the checks
 * and written back in the same batch as the messages, so D1 stays the only record and an evicted
 * object loses nothing (its successor reads the same `last_seq`); the unique (chat_id, seq) index
 * refuses a second writer. Each message is judged on its own (its sender's session, whether they
 * may reach the chat now (chats.audience.ts), media) and a refused one takes no seq; the stored ones and every audit entry
 * (denials too) go to D1 in one atomic batch, so either all of a batch's messages are stored or
 * none is, and none is acknowledged before. A known `client_message_id` (stored, or earlier in the
 * same batch) returns that message unchanged.
 */
import { and, eq, exists, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chatMessages, chatParticipants, chats } from "../../db/schema/chats";
import { users } from "../../db/schema/users";
import { auditEntry, type AuditInput } from "../../lib/audit";
import { AppError, ForbiddenError, NotFoundError, UnauthorizedError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { reachableNow } from "./chats.audience";
import { checkMessageMedia, mediaForMessage } from "./chats.media";
import { bodyRef, messageView, type MessageRow } from "./chats.data";
import type { Message, SendMessageInput } from "./chats.schemas";

export type CommitResult = { message: Message; replayed: boolean; recipients: string[] };
/** One message to store. `inboundSms`: the SMS chat's patient texting in (see commitMessages). */
export type CommitItem = { ctx: RequestContext; input: SendMessageInput; inboundSms?: boolean };
export type CommitOutcome = { ok: true; result: CommitResult } | { ok: false; error: unknown };

type Query = BatchItem<"sqlite">;

/** Stores one message on its own; see commitMessages. Throws what refused it. */
export async function commitMessage(
  ctx: RequestContext,
  chatId: string,
  input: SendMessageInput,
  inboundSms = false,
): Promise<CommitResult> {
  const [outcome] = await commitMessages(chatId, [{ ctx, input, inboundSms }]);
  if (!outcome?.ok) throw outcome?.error;
  return outcome.result;
}

/**
 * Checks, numbers, encrypts and stores messages in arrival order with one D1 read and one D1
 * write; answers one outcome per item, in order. `inboundSms` items come from the Twilio webhook
 * (it checked the signature): the sender is the patient, not a participant, and only an SMS chat
 * takes them. A failed write (D1 down, another writer) refuses the whole batch; nothing is stored.
 */
export async function commitMessages(
  chatId: string,
  items: CommitItem[],
  onState?: (state: ChatState) => void,
): Promise<CommitOutcome[]> {
  const first = items[0];
  if (!first) return [];
  const { orm } = first.ctx.db;
  const workspaceId = first.ctx.caller?.workspaceId ?? "";
  const sessionChecks = items.map((item) => item.ctx.db.takeSessionCheck());
  const clientIds = items.flatMap((item) => item.input.client_message_id ?? []);
  const mediaIds = items.flatMap((item) => (item.input.type === "text" ? [] : item.input.media_id));
  const reads: Query[] = [
    orm
      .select({ lastSeq: chats.lastSeq, type: chats.type })
      .from(chats)
      .where(
        and(eq(chats.id, chatId), eq(chats.workspaceId, workspaceId), isNull(chats.deletedAt)),
      ),
    // Every participant row, with whether the relation behind it holds now (chats.audience.ts).
    orm
      .select({
        userId: chatParticipants.userId,
        isAdmin: chatParticipants.isAdmin,
        reachable: reachableNow().mapWith(Number).as("reachable_now"),
      })
      .from(chatParticipants)
      .innerJoin(chats, eq(chats.id, chatParticipants.chatId))
      .innerJoin(users, eq(users.id, chatParticipants.userId))
      .where(and(eq(chatParticipants.chatId, chatId), isNull(chatParticipants.removedAt))),
    orm
      .select()
      .from(chatMessages)
      .where(
        and(eq(chatMessages.chatId, chatId), inArray(chatMessages.clientMessageId, clientIds)),
      ),
    ...mediaIds.map((mediaId) => mediaForMessage(first.ctx, workspaceId, mediaId)),
    ...sessionChecks.flatMap((check) => check ?? []),
  ];
  const results = (await orm.batch(reads as never)) as unknown[][];
  const [chatRows, members, existing] = results as [
    { lastSeq: number; type: string }[],
    { userId: string; isAdmin: boolean; reachable: number }[],
    MessageRow[],
  ];
  let at = 3;
  const next = () => results[at++] ?? [];
  const media = new Map(mediaIds.map((id) => [id, next()[0]] as const));
  const live = sessionChecks.map((check) => !check || next().length > 0);

  const chat = chatRows[0];
  const recipients = members.filter((m) => m.reachable).map((m) => m.userId);
  const known = new Map(existing.map((row) => [`${row.senderId}:${row.clientMessageId}`, row]));
  const writes: Query[] = [];
  const stored: MessageRow[] = [];
  const lastSeqOf = new Map<string, number>();
  const now = new Date().toISOString();
  let seq = chat?.lastSeq ?? 0;
  const outcomes: (CommitOutcome | { row: MessageRow; replayed: boolean })[] = [];
  for (const [i, { ctx, input, inboundSms }] of items.entries()) {
    const caller = callerOf(ctx);
    const refuse = async (error: AppError, audit: AuditInput) => {
      writes.push((await auditEntry(ctx, audit)).query);
      outcomes.push({ ok: false, error });
    };
    if (!live[i]) {
      outcomes.push({ ok: false, error: new UnauthorizedError("Session has ended") });
      continue;
    }
    const participant = members.find((m) => m.userId === caller.userId);
    const me = participant?.reachable ? participant : undefined;
    const senderOk = inboundSms ? chat?.type === "SMS" : Boolean(me);
    const denied = { action: "chat_message.created", resourceType: "chat", resourceId: chatId };
    if (!chat || !senderOk) {
      const outcome = chat && (participant || inboundSms) ? "denied" : "not_found";
      const metadata = participant && !me ? { reason: "relation_ended" } : undefined;
      await refuse(new NotFoundError("Chat"), { ...denied, outcome, metadata } as AuditInput);
      continue;
    }
    const clientId = input.client_message_id ?? null;
    const earlier = clientId === null ? undefined : known.get(`${caller.userId}:${clientId}`);
    if (earlier) {
      outcomes.push({ row: earlier, replayed: true });
      continue;
    }
    if (chat.type === "Broadcast" && !me?.isAdmin) {
      await refuse(new ForbiddenError(), {
        ...denied,
        outcome: "denied",
        metadata: { reason: "broadcast_admins_only" },
      } as AuditInput);
      continue;
    }
    if (input.type !== "text") {
      try {
        checkMessageMedia(media.get(input.media_id) as never, {
          chatId,
          senderId: caller.userId,
          type: input.type,
        });
      } catch (error) {
        outcomes.push({ ok: false, error });
        continue;
      }
    }
    const row = await newRow(ctx, chatId, input, ++seq, now);
    stored.push(row);
    if (clientId !== null) known.set(`${caller.userId}:${clientId}`, row);
    lastSeqOf.set(caller.userId, seq);
    writes.push(
      orm.insert(chatMessages).values(row),
      (
        await auditEntry(ctx, {
          action: "chat_message.created",
          resourceType: "chat_message",
          resourceId: row.id,
          metadata: {
            chat_id: chatId,
            seq,
            type: input.type,
            ...(input.type !== "text" && { media_id: input.media_id }),
          },
        })
      ).query,
    );
    outcomes.push({ row, replayed: false });
  }

  const last = stored.at(-1);
  if (last) {
    writes.push(
      orm
        .update(chats)
        .set({ lastSeq: last.seq, lastMessageId: last.id, lastMessageAt: now, updatedAt: now })
        .where(and(eq(chats.id, chatId), eq(chats.workspaceId, workspaceId))),
      ...[...lastSeqOf].map(([userId, readSeq]) =>
        orm
          .update(chatParticipants)
          .set({ lastReadSeq: readSeq })
          .where(and(eq(chatParticipants.chatId, chatId), eq(chatParticipants.userId, userId))),
      ),
    );
  }
  if (writes.length) await orm.batch(writes as never);
  if (chat && onState) {
    const reachable = members.filter((m) => m.reachable);
    onState({
      workspaceId,
      lastSeq: last?.seq ?? chat.lastSeq,
      type: chat.type,
      members: new Set(reachable.map((m) => m.userId)),
      admins: new Set(reachable.filter((m) => m.isAdmin).map((m) => m.userId)),
    });
  }

  return Promise.all(
    outcomes.map(async (outcome, i): Promise<CommitOutcome> => {
      if (!("row" in outcome)) return outcome;
      const reader = { userId: outcome.row.senderId, lastReadSeq: 0, othersReadSeq: 0 };
      const plaintext = outcome.replayed ? undefined : { content: contentOf(items[i]!.input) };
      const message = await messageView(first.ctx.phi, outcome.row, reader, plaintext);
      return { ok: true, result: { message, replayed: outcome.replayed, recipients } };
    }),
  );
}

/** The encrypted row of a new message. */
async function newRow(
  ctx: RequestContext,
  chatId: string,
  input: SendMessageInput,
  seq: number,
  now: string,
): Promise<MessageRow> {
  const caller = callerOf(ctx);
  const content = contentOf(input);
  const id = uuidv7();
  return {
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
    clientMessageId: input.client_message_id ?? null,
    transcriptId: null,
    transcriptionEnc: null,
    transcribedAt: null,
    createdAt: now,
    editedAt: null,
    deletedAt: null,
  };
}

/** The body a message stores: voice messages have none. */
function contentOf(input: SendMessageInput): string | null {
  return input.type === "voice" ? null : (input.content ?? null);
}

/**
 * What the chat's room keeps between batches so the next one needs no read: the chat's last seq
 * and type, and who could reach it at the last commit. A hint only: every fast batch re-checks
 * all of it inside its own write (see commitMessagesFast).
 */
export type ChatState = {
  workspaceId: string;
  lastSeq: number;
  type: string;
  members: Set<string>;
  admins: Set<string>;
};

/** Most distinct login sessions a fast batch checks inline (D1 binds at most 100 values). */
const FAST_MAX_SESSIONS = 8;

/** Thrown when a fast batch's guard refused it: the room then commits the batch the full way. */
export class StaleChatState extends Error {
  override name = "StaleChatState";
}

/**
 * A batch in ONE D1 round trip: the write itself, guarded. The first message's seq is
 * `CASE WHEN <guard> THEN seq ELSE NULL END` (seq is NOT NULL), so unless D1's `last_seq` is
 * still the room's, every sender may reach the chat NOW (the audience rule, REACHABLE_NOW, and
 * the Broadcast admin rule) and every sender's login session is live, the statement fails and
 * the whole batch rolls back (D1 batches are transactions): nothing stored, no seq taken. The
 * chat's reachable members are read at the end of the same batch, for the fan-out and the next
 * batch's state. A replayed `client_message_id` fails the unique index the same way.
 *
 * Returns null when the batch is not one the fast path takes (media, inbound SMS, a sender the
 * state does not know, too many sessions); throws StaleChatState (or D1's error) when refused.
 * Either way the caller commits the batch with commitMessages, which judges each message alone.
 */
export async function commitMessagesFast(
  chatId: string,
  items: CommitItem[],
  state: ChatState,
): Promise<{ outcomes: CommitOutcome[]; state: ChatState } | null> {
  const first = items[0];
  if (!first) return { outcomes: [], state };
  const ws = state.workspaceId;
  const ids = new Set<string>();
  for (const { ctx, input, inboundSms } of items) {
    const caller = ctx.caller;
    if (inboundSms || input.type !== "text" || !caller || caller.workspaceId !== ws) return null;
    if (!state.members.has(caller.userId)) return null;
    if (state.type === "Broadcast" && !state.admins.has(caller.userId)) return null;
    const clientId = input.client_message_id;
    if (clientId !== undefined && clientId !== null) {
      const key = `${caller.userId}:${clientId}`;
      if (ids.has(key)) return null; // a repeat inside the batch: the full path answers it
      ids.add(key);
    }
  }
  const senders = [...new Set(items.map((i) => i.ctx.caller!.userId))];
  const sessions = new Map<string, ReturnType<RequestContext["db"]["takeSessionCheck"]>>();
  for (const { ctx } of items) {
    const key = ctx.caller!.sessionId;
    if (!sessions.has(key)) sessions.set(key, ctx.db.peekSessionCheck());
  }
  if (senders.length > FAST_MAX_SESSIONS || sessions.size > FAST_MAX_SESSIONS) return null;

  const { orm } = first.ctx.db;
  const adminsOnly =
    state.type === "Broadcast" ? sql` and "chat_participants"."is_admin" = 1` : sql``;
  const checks = [...sessions.values()].flatMap((check) =>
    check ? [sql` and ${exists(check as never)}`] : [],
  );
  const guard: SQL = sql`(select ${chats.lastSeq} from ${chats} where ${chats.id} = ${chatId}
      and ${chats.workspaceId} = ${ws} and ${chats.deletedAt} is null) = ${state.lastSeq}
    and (select count(*) from "chat_participants"
      join "chats" on "chats"."id" = "chat_participants"."chat_id"
      join "users" on "users"."id" = "chat_participants"."user_id"
      where "chat_participants"."chat_id" = ${chatId}
        and "chat_participants"."user_id" in (${sql.join(
          senders.map((id) => sql`${id}`),
          sql`, `,
        )})
        and ${reachableNow()}${adminsOnly}) = ${senders.length}${sql.join(checks)}`;

  const now = new Date().toISOString();
  const writes: Query[] = [];
  const rows: MessageRow[] = [];
  let seq = state.lastSeq;
  const lastSeqOf = new Map<string, number>();
  for (const { ctx, input } of items) {
    const row = await newRow(ctx, chatId, input, ++seq, now);
    rows.push(row);
    lastSeqOf.set(row.senderId, seq);
    const value =
      rows.length === 1 ? { ...row, seq: sql`case when ${guard} then ${seq} else null end` } : row;
    writes.push(
      orm.insert(chatMessages).values(value as never),
      (
        await auditEntry(ctx, {
          action: "chat_message.created",
          resourceType: "chat_message",
          resourceId: row.id,
          metadata: { chat_id: chatId, seq, type: input.type },
        })
      ).query,
    );
  }
  const last = rows.at(-1)!;
  writes.push(
    orm
      .update(chats)
      .set({ lastSeq: last.seq, lastMessageId: last.id, lastMessageAt: now, updatedAt: now })
      .where(and(eq(chats.id, chatId), eq(chats.workspaceId, ws))),
    ...[...lastSeqOf].map(([userId, readSeq]) =>
      orm
        .update(chatParticipants)
        .set({ lastReadSeq: readSeq })
        .where(and(eq(chatParticipants.chatId, chatId), eq(chatParticipants.userId, userId))),
    ),
    orm
      .select({ userId: chatParticipants.userId, isAdmin: chatParticipants.isAdmin })
      .from(chatParticipants)
      .innerJoin(chats, eq(chats.id, chatParticipants.chatId))
      .innerJoin(users, eq(users.id, chatParticipants.userId))
      .where(and(eq(chatParticipants.chatId, chatId), reachableNow())),
  );
  let results: unknown[];
  try {
    results = (await orm.batch(writes as never)) as unknown[];
  } catch (error) {
    const message = error instanceof Error ? error.message : "";
    if (/NOT NULL|UNIQUE/i.test(message)) throw new StaleChatState("Fast commit refused");
    throw error;
  }
  const reachable = results.at(-1) as { userId: string; isAdmin: boolean }[];
  const recipients = reachable.map((m) => m.userId);
  const outcomes = await Promise.all(
    rows.map(async (row, i): Promise<CommitOutcome> => {
      const reader = { userId: row.senderId, lastReadSeq: 0, othersReadSeq: 0 };
      const plaintext = { content: contentOf(items[i]!.input) };
      const message = await messageView(first.ctx.phi, row, reader, plaintext);
      return { ok: true, result: { message, replayed: false, recipients } };
    }),
  );
  return {
    outcomes,
    state: {
      workspaceId: ws,
      lastSeq: last.seq,
      type: state.type,
      members: new Set(recipients),
      admins: new Set(reachable.filter((m) => m.isAdmin).map((m) => m.userId)),
    },
  };
}
