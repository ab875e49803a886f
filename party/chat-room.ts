/**
 * One Durable Object per chat (named by the chat id): it orders the chat's messages, writes each
 * to D1 before acknowledging it, and fans it out to the room's sockets and to every participant's
 * user stream (which keeps it for replay).
 *
 * Invariants: sends run one at a time (`tail`), so seqs follow the order of arrival; D1 is the
 * record (messages.commit.ts), the object keeps no message state, so aborting it loses nothing
 * acknowledged. Fan-out runs after the acknowledgement, message by message in seq order
 * (`fanout`), so every user stream receives a chat's messages in order. Identities come only from
 * the Worker's header (checked before the upgrade: token, session, participation); every socket
 * message is parsed with `ChatRoomIn`, and a bad one answers `error` without closing the socket.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import type { Bindings } from "../src/env";
import { AppError, NotFoundError, UnauthorizedError } from "../src/lib/errors";
import { uuidv7 } from "../src/lib/ids";
import { liveSessionQuery } from "../src/middleware/auth";
import { roomContext } from "../src/middleware/request-context";
import type { Message, SendMessageInput } from "../src/modules/chats/chats.schemas";
import { notifyChatMessages } from "../src/modules/notifications/notifications.content";
import type { CommitOutcome, CommitResult } from "../src/modules/chats/messages.commit";
import { markRead, participantsOf } from "../src/modules/chats/messages.read";
import { publishManyToUser, publishToUser } from "../src/modules/realtime/realtime.service";
import { GroupCommit } from "./chat-room.commit";
import { parseSocketInput, refuseInput } from "./socket-input";
import { ChatRoomIn, type ChatRoomOut } from "../src/realtime/chat-room.schemas";
import { readHandoff } from "../src/realtime/handoff";
import type { RequestMeta, StreamCaller } from "../src/realtime/identity";
import type { ChatRoomEvent as RoomEvent, ChatRoomRpc } from "../src/realtime/rooms";
import { reachableUsers } from "../src/modules/chats/chats.audience";
import {
  ACCESS_ENDED_CODE,
  closeEndedSessions,
  closeSession,
  revokeSockets,
  scheduleSessionCheck,
  SESSION_ENDED_CODE,
  trackRoom,
} from "./room-sessions";

export class ChatRoom extends Server<Bindings & Cloudflare.Env> implements ChatRoomRpc {
  /**
   * Not hibernating, on purpose: workerd delivers a hibernatable socket's messages as separate
   * events, and while the object awaits D1 a later message's event can be dispatched before an
   * earlier one (observed: `webSocketMessage` called with m7 before m6 in a burst of 20). No queue
   * inside the object can restore an order it never saw. A non-hibernating socket's messages
   * come from one read loop, in order; `inbox` then keeps their handling in that order.
   */
  static override options = { hibernate: false };
  private readonly commits = new GroupCommit(
    () => this.name,
    (outcomes) => this.committed(outcomes),
    (work) => this.ctx.waitUntil(work),
  );
  private fanout: Promise<unknown> = Promise.resolve();
  private inbox: Promise<unknown> = Promise.resolve();

  /** A request context for a caller, as the service verbs expect it. */
  private contextFor(caller: StreamCaller, meta: RequestMeta, checkSession: boolean) {
    return roomContext(
      this.env,
      { ...caller, role: caller.role as never },
      meta,
      (p) => this.ctx.waitUntil(p),
      checkSession ? liveSessionQuery : null,
    );
  }

  /**
   * Stores a message (after every earlier one) and returns it once D1 has it; then fans it out.
   * A resend with a known `client_message_id` returns the first message and sends nothing again.
   * `inboundSms`: an SMS the patient texted in (see commitMessages), posted by the Twilio webhook.
   */
  async post(
    caller: StreamCaller,
    input: SendMessageInput,
    meta: RequestMeta,
    checkSession = false,
    inboundSms = false,
  ) {
    const ctx = this.contextFor(caller, meta, checkSession);
    const result = await this.commits.add({ ctx, input, inboundSms });
    return { message: result.message, replayed: result.replayed };
  }

  /** The room's fan-out of a written batch: new messages only, in seq order. */
  private committed(outcomes: CommitOutcome[]) {
    const received: RoomEvent[] = [];
    let recipients: string[] = [];
    for (const outcome of outcomes) {
      if (!outcome.ok || outcome.result.replayed) continue;
      received.push({ event: "message:received", data: outcome.result.message });
      recipients = outcome.result.recipients;
    }
    if (received.length) this.publish(recipients, ...received);
    if (received.length) this.notifyOffRoom(recipients, received);
  }

  /**
   * `notification:new` for the new messages to their audience (the commit's, chats.audience.ts)
   * except whoever has a socket open here: they are reading the chat.
   */
  private notifyOffRoom(audience: string[], events: RoomEvent[]) {
    const inRoom = [...this.getConnections<StreamCaller>()].flatMap((c) =>
      c.state ? [c.state.userId] : [],
    );
    const messages = events.map((e) => e.data as Message);
    this.ctx.waitUntil(
      notifyChatMessages(this.env, this.name, messages, audience, inRoom).catch((error) =>
        console.warn(
          JSON.stringify({ level: "warn", event: "notify_failed", error: String(error?.name) }),
        ),
      ),
    );
  }

  /**
   * Sends chat events to the room's sockets at once, and to the participants' streams after the
   * previous events' (one call per participant for all of `events`), so both see them in order.
   */
  publish(recipients: string[], ...events: RoomEvent[]) {
    for (const event of events) this.broadcast(JSON.stringify(event));
    const stream = events.map((e) => ({ event: e.event, data: e.data as Record<string, unknown> }));
    const step = this.fanout.then(() =>
      Promise.allSettled(recipients.map((id) => publishManyToUser(this.env, id, stream))),
    );
    this.fanout = step.catch(() => undefined);
    this.ctx.waitUntil(step);
  }

  override onConnect(connection: Connection<StreamCaller>, ctx: ConnectionContext) {
    const caller = readHandoff(ctx.request, "chat")?.caller;
    if (!caller) {
      connection.close(1008, "unauthorized");
      return;
    }
    connection.setState(caller);
    send(connection, { event: "ready", data: { chat_id: this.name, user_id: caller.userId } });
    // The socket ends with its session: at once through the user's stream, or at the next check.
    this.ctx.waitUntil(
      Promise.allSettled([
        trackRoom(this.env, caller.userId, caller.sessionId, { kind: "chat", name: this.name }),
        scheduleSessionCheck(this.ctx.storage),
      ]),
    );
  }

  /**
   * Closes the sockets whose session ended, then those whose access ended by a path that did not
   * tell the room (the backstop of `revalidate`); looks again while any remain.
   */
  override async onAlarm() {
    const open = await closeEndedSessions(this.env.DB, [...this.getConnections<StreamCaller>()]);
    const revoked = open > 0 ? await this.revalidate(null) : 0;
    if (open - revoked > 0) await scheduleSessionCheck(this.ctx.storage);
  }

  /**
   * Closes (4003, audited) the sockets of `userId` (or of anyone, `null`) who may no longer reach
   * this chat, asked of the one rule in chats.audience.ts. Called through the user's stream the
   * moment a relation ends (`accessChanged`), and by the alarm. Returns how many closed.
   */
  revalidate(userId: string | null): Promise<number> {
    return revokeSockets(this.env, this.getConnections<StreamCaller>(), userId, {
      allowed: (ids) => reachableUsers(this.env.DB, this.name, ids),
      reason: "no longer in this chat",
      audit: { action: "chat.read", resourceType: "chat", resourceId: this.name },
      waitUntil: (p) => this.ctx.waitUntil(p),
    });
  }

  /** Closes the sockets opened under a session that ended (called by the user's stream). */
  async endSession(sessionId: string): Promise<number> {
    return closeSession(this.getConnections<StreamCaller>(), sessionId);
  }

  /** Socket messages are handled one after another, in arrival order (see `options`). */
  override onMessage(connection: Connection<StreamCaller>, message: WSMessage): Promise<void> {
    const turn = this.inbox.then(() => this.handle(connection, message));
    this.inbox = turn.catch(() => undefined);
    return turn;
  }

  private async handle(connection: Connection<StreamCaller>, message: WSMessage): Promise<void> {
    const caller = connection.state;
    if (!caller) return connection.close(1008, "unauthorized");
    const parsed = parseSocketInput(ChatRoomIn, message, {
      maxSize: 16 * 1024,
      tooLarge: "JSON objects of at most 16 KB",
      notJson: "JSON objects of at most 16 KB",
    });
    if ("details" in parsed) return refuseInput(connection, parsed.details);
    const input = parsed.data;
    const meta = { requestId: uuidv7(), ip: null, userAgent: null };
    try {
      if (input.event === "ping") {
        send(connection, { event: "pong", data: { id: input.data?.id ?? null } });
      } else if (input.event === "message:send") {
        // Not awaited: the next socket message may join this one's batch. The ack (or the
        // error) follows once D1 has answered; batches settle in order, so acks keep the order.
        const clientId = input.data.client_message_id;
        this.post(caller, input.data, meta, true).then(
          (result) =>
            send(connection, {
              event: "message:ack",
              data: {
                client_message_id: clientId,
                replayed: result.replayed,
                message: result.message,
              },
            }),
          (error: unknown) => this.refuse(connection, error, clientId),
        );
      } else if (input.event === "typing") {
        await this.typing(caller, input.data.is_typing, connection);
      } else {
        await this.commits.idle(); // a read receipt may name a message still being written
        const ctx = this.contextFor(caller, meta, true);
        const read = await markRead(ctx, this.name, input.data.seq);
        if (read.recipients.length) this.publish(read.recipients, read.event);
      }
    } catch (error) {
      this.refuse(
        connection,
        error,
        input.event === "message:send" ? input.data.client_message_id : null,
      );
    }
  }

  /** Typing is live only: to the room's other sockets and the other participants' streams. */
  private async typing(caller: StreamCaller, isTyping: boolean, from: Connection) {
    const data = { chat_id: this.name, user_id: caller.userId, is_typing: isTyping };
    this.broadcast(JSON.stringify({ event: "user:typing", data }), [from.id]);
    const people = await participantsOf(this.env.DB, this.name, caller.workspaceId);
    await Promise.allSettled(
      people
        .filter((id) => id !== caller.userId)
        .map((id) => publishToUser(this.env, id, { event: "user:typing", data })),
    );
  }

  private refuse(connection: Connection<StreamCaller>, error: unknown, clientId: string | null) {
    if (error instanceof UnauthorizedError) {
      connection.close(SESSION_ENDED_CODE, "session ended");
      return;
    }
    // The chat refused its own participant: their access ended, so their sockets here close too.
    const userId = connection.state?.userId;
    if (error instanceof NotFoundError && userId) {
      this.ctx.waitUntil(this.revalidate(userId).catch(() => 0));
    }
    if (error instanceof AppError) {
      send(connection, {
        event: "error",
        data: { code: error.code, message: error.message, client_message_id: clientId },
      });
      return;
    }
    console.error("chat room failure", error instanceof Error ? error.name : "unknown");
    send(connection, {
      event: "error",
      data: {
        code: "INTERNAL_SERVER_ERROR",
        message: "Not stored; retry with the same client_message_id",
        client_message_id: clientId,
      },
    });
  }

  /** Closes the room's sockets of one user (removed from the chat) or of everyone (chat deleted). */
  async closeSockets(userId: string | null): Promise<number> {
    let closed = 0;
    for (const connection of this.getConnections<StreamCaller>()) {
      if (userId && connection.state?.userId !== userId) continue;
      connection.close(ACCESS_ENDED_CODE, "no longer in this chat");
      closed++;
    }
    return closed;
  }
}

export type { CommitResult };

function send(connection: Connection, event: ChatRoomOut) {
  try {
    connection.send(JSON.stringify(event));
  } catch {
    // Closing at this moment.
  }
}
