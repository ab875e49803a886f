/**
 * Each user's event stream: one PartyServer room per user id, joined through `/ws`.
 *
 * Invariants: the Worker verifies the access token and the session before the upgrade and
 * chooses the room (the caller's own user id); this object trusts only the identity header the
 * Worker sets (after stripping any client copy), and refuses a connection whose identity is not
 * this room's user. Client messages are validated; a bad one answers an `error` event and the
 * socket stays open. Events are published by the API through `publish()`. A socket lives no
 * longer than its session: `endSession()` closes it at once (logout), and while sockets are open
 * an alarm re-checks their sessions in D1 every minute (revocation, expiry, any other path).
 *
 * Replay: every published event except the ephemeral ones (typing) is stored with a per-user
 * `seq` for at least 24 h (user-stream.log.ts) before it is sent. A client connecting with
 * `?since=<seq>` (or a `device_id` whose cursor it acknowledged) first receives the later events
 * in order, then `replayed`, then live ones; the replay runs synchronously inside `onConnect`, so
 * no live event can overtake it. When the gap cannot be filled it gets `resync_required`.
 */
import {
  getServerByName,
  Server,
  type Connection,
  type ConnectionContext,
  type WSMessage,
} from "partyserver";
import type { Bindings } from "../src/env";
import { phiCipherFor } from "../src/middleware/request-context";
import { readHandoff } from "../src/realtime/handoff";
import type { StreamCaller } from "../src/realtime/identity";
import type { TrackedRoom, UserStreamRpc } from "../src/realtime/rooms";
import { closeEndedSessions, closeSession, scheduleSessionCheck } from "./room-sessions";
import { parseSocketInput, refuseInput } from "./socket-input";
import { reachableChats } from "../src/modules/chats/chats.audience";
import { EventLog, type StoredEvent } from "./user-stream.log";
import {
  EPHEMERAL_EVENTS,
  MAX_CLIENT_MESSAGE_BYTES,
  ResumeQuery,
  UserStreamIn,
  type UserEvent,
} from "../src/realtime/user-stream.schemas";

/** What a connection carries: who (from the Worker) and which device (for its cursor). */
type ConnState = StreamCaller & { deviceId: string | null; live?: boolean };

/** Storage key of the last moment a socket of this user was open (connect or close). */
const LAST_SEEN_KEY = "presence:last_seen_at";

export { SESSION_CHECK_MS, SESSION_ENDED_CODE } from "./room-sessions";

export class UserStream extends Server<Bindings & Cloudflare.Env> implements UserStreamRpc {
  static override options = { hibernate: true };

  private eventLog: EventLog | null = null;

  private get log(): EventLog {
    this.eventLog ??= new EventLog(this.ctx.storage.sql);
    return this.eventLog;
  }

  override async onConnect(connection: Connection<ConnState>, ctx: ConnectionContext) {
    const caller = readHandoff(ctx.request, "user")?.caller;
    if (!caller || caller.userId !== this.name) {
      connection.close(1008, "unauthorized");
      return;
    }
    const url = new URL(ctx.request.url);
    const resume = ResumeQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!resume.success) {
      // The Worker validated the query already; this only guards a direct call.
      connection.close(1008, "invalid resume parameters");
      return;
    }
    const deviceId = resume.data.device_id ?? null;
    const log = this.log;
    const cursor = deviceId ? log.cursor(deviceId) : null;
    const since = resume.data.since ?? cursor;
    // A replaying connection is not live yet: publish() skips it until it has caught up.
    connection.setState({ ...caller, deviceId, live: since === null });
    send(connection, {
      event: "ready",
      data: { user_id: caller.userId, device_id: deviceId, cursor, latest_seq: log.latest() },
    });
    if (since !== null) await this.replay(connection, since);
    await Promise.all([this.scheduleSessionCheck(), this.markSeen()]);
  }

  /** The last moment this user had a socket open (the notification fallback asks it). */
  private markSeen() {
    return this.ctx.storage.put(LAST_SEEN_KEY, new Date().toISOString());
  }

  override async onClose() {
    await this.markSeen();
  }

  /**
   * Whether the user is connected now, and when they last were: a notification goes out by
   * email/SMS only to a user who had no socket open since it was made (notifications.offline.ts).
   */
  async presence(): Promise<{ connected: number; lastSeenAt: string | null }> {
    const connected = [...this.getConnections<ConnState>()].filter((c) => c.state).length;
    const lastSeenAt = (await this.ctx.storage.get<string>(LAST_SEEN_KEY)) ?? null;
    return { connected, lastSeenAt: connected > 0 ? new Date().toISOString() : lastSeenAt };
  }

  /**
   * Sends what the client missed after `since`, in order, or says it must resync over HTTP; then
   * makes the connection live. Opening sealed events is async, so events published meanwhile are
   * caught by looping until a (synchronous) look finds nothing newer; the connection turns live
   * in that same synchronous step, so nothing falls between replay and live.
   */
  private async replay(connection: Connection<ConnState>, since: number) {
    let from = since;
    let count = 0;
    for (;;) {
      const plan = this.log.plan(from);
      if (plan.kind === "resync") {
        send(connection, {
          event: "resync_required",
          data: {
            since,
            reason: plan.reason,
            oldest_seq: this.log.oldest(),
            latest_seq: this.log.latest(),
          },
        });
        break;
      }
      if (plan.events.length === 0) {
        send(connection, {
          event: "replayed",
          data: { since, count, latest_seq: this.log.latest() },
        });
        break;
      }
      const readable = await this.readableNow(plan.events);
      const opened = await Promise.all(readable.map((e) => this.open(e)));
      for (const event of opened) trySend(connection, JSON.stringify(event));
      count += opened.length;
      from = plan.events[plan.events.length - 1]!.seq;
    }
    if (connection.state) connection.setState({ ...connection.state, live: true });
  }

  /**
   * The events this user may still read: a chat's events only while the chat is reachable by
   * them now (chats.audience.ts), so a replay never hands back what a revoked relation covered.
   */
  private async readableNow(events: StoredEvent[]): Promise<StoredEvent[]> {
    const chatIds = [...new Set(events.flatMap((e) => (e.chatId ? [e.chatId] : [])))];
    if (chatIds.length === 0) return events;
    const reachable = await reachableChats(this.env.DB, this.name, chatIds);
    return events.filter((e) => !e.chatId || reachable.has(e.chatId));
  }

  private get phi() {
    return phiCipherFor(this.env);
  }

  private async open(stored: StoredEvent): Promise<UserEvent> {
    const ref = { table: "stream_events", column: "data", rowId: stored.ref };
    const data: unknown = JSON.parse(await this.phi.decrypt(stored.sealed, ref));
    return { event: stored.event as UserEvent["event"], data, seq: stored.seq };
  }

  /** Closes the sockets whose session is no longer live; looks again while any remain. */
  override async onAlarm() {
    const open = await closeEndedSessions(this.env.DB, [...this.getConnections<StreamCaller>()]);
    if (open > 0) await this.scheduleSessionCheck();
  }

  private scheduleSessionCheck() {
    return scheduleSessionCheck(this.ctx.storage);
  }

  override onMessage(connection: Connection<ConnState>, message: WSMessage) {
    const parsed = parseSocketInput(UserStreamIn, message, {
      maxSize: MAX_CLIENT_MESSAGE_BYTES,
      tooLarge: `Messages are at most ${MAX_CLIENT_MESSAGE_BYTES} bytes`,
      notJson: "Messages are JSON objects with an event",
    });
    if ("details" in parsed) return invalid(connection, parsed.details);
    const input = parsed.data;
    if (input.event === "ping") {
      send(connection, { event: "pong", data: { id: input.data?.id ?? null } });
      return;
    }
    const deviceId = connection.state?.deviceId;
    if (!deviceId) {
      return invalid(connection, [
        { field: "device_id", message: "Connect with ?device_id= to acknowledge events" },
      ]);
    }
    if (input.data.seq > this.log.latest()) {
      return invalid(connection, [
        { field: "data.seq", message: "Cannot acknowledge an event that was never sent" },
      ]);
    }
    const seq = this.log.acknowledge(deviceId, input.data.seq);
    send(connection, { event: "acked", data: { device_id: deviceId, seq } });
  }

  /**
   * Stores the event under the next seq (unless it is ephemeral), then sends it to every open
   * connection of this user; returns how many received it. Stored before sent: a client never
   * sees a seq that a replay could not give again.
   */
  async publish(event: UserEvent): Promise<number> {
    return this.publishMany([event]);
  }

  /**
   * Several events in this order (a chat room's batch of messages): one call instead of one per
   * event; each is stored and sent as `publish` does. Returns how many sends were made.
   */
  async publishMany(events: UserEvent[]): Promise<number> {
    // Sealed first (async, all at once); the seqs are taken and the sockets written in one
    // synchronous step, so the order of seqs is the order of sending.
    const sealed = await Promise.all(
      events.map(async (event) => {
        if (EPHEMERAL_EVENTS.includes(event.event)) return null;
        const ref = `${this.name}:${crypto.randomUUID()}`;
        const data = JSON.stringify(event.data);
        const cell = { table: "stream_events", column: "data", rowId: ref };
        return { ref, text: await this.phi.encrypt(data, cell), chatId: chatIdOf(event) };
      }),
    );
    const live = [...this.getConnections<ConnState>()].filter(
      // Only connections that said `ready` (and finished any replay): one being accepted right
      // now gets `ready` with `latest_seq` covering these events, so sending them too would put
      // an event before `ready`, where clients drop it.
      (connection) => connection.state?.live === true,
    );
    let delivered = 0;
    for (const [i, event] of events.entries()) {
      const stored = sealed[i];
      const seq = stored
        ? this.log.append(event.event, stored.text, stored.ref, stored.chatId)
        : undefined;
      const payload = JSON.stringify({ event: event.event, data: event.data, seq });
      for (const connection of live) if (trySend(connection, payload)) delivered++;
    }
    return delivered;
  }

  /** Remembers that a session has a socket in a chat or live room, so ending it closes that too. */
  async trackRoom(sessionId: string, room: TrackedRoom): Promise<void> {
    await this.ctx.storage.put(`room:${sessionId}:${room.kind}:${room.name}`, room);
  }

  /**
   * Closes the sockets opened under the given sessions (`null`: every session of this user, as
   * when an admin ends them all), here and in every room they joined; returns how many here.
   */
  async endSessions(sessionIds: string[] | null): Promise<number> {
    const connections = [...this.getConnections<StreamCaller>()];
    let closed = 0;
    const ids = sessionIds ?? [...new Set(connections.map((c) => c.state?.sessionId ?? ""))];
    for (const id of ids) closed += closeSession(connections, id);
    const prefixes = sessionIds ? sessionIds.map((id) => `room:${id}:`) : ["room:"];
    for (const prefix of prefixes) {
      const rooms = await this.ctx.storage.list<TrackedRoom>({ prefix });
      await Promise.allSettled(
        [...rooms].map(async ([key, room]) => {
          const sessionId = key.split(":")[1]!;
          await (await this.roomOf(room)).endSession(sessionId);
        }),
      );
      if (rooms.size > 0) await this.ctx.storage.delete([...rooms.keys()]);
    }
    return closed;
  }

  /**
   * A relation of this user ended (care team, family grant, patient deleted): every room any of
   * their sessions joined re-derives their access now and closes what it no longer allows (4003,
   * audited by the room). Returns how many sockets closed.
   */
  async revalidateRooms(): Promise<number> {
    const tracked = await this.ctx.storage.list<TrackedRoom>({ prefix: "room:" });
    const rooms = new Map([...tracked.values()].map((room) => [`${room.kind}:${room.name}`, room]));
    const closed = await Promise.allSettled(
      [...rooms.values()].map(async (room) => (await this.roomOf(room)).revalidate(this.name)),
    );
    return closed.reduce((n, r) => n + (r.status === "fulfilled" ? r.value : 0), 0);
  }

  private roomOf(room: TrackedRoom) {
    if (room.kind === "chat") return getServerByName(this.env.ChatRoom, room.name);
    if (room.kind === "call") return getServerByName(this.env.CallRoom, room.name);
    if (room.kind === "pose") return getServerByName(this.env.PoseStream, room.name);
    return getServerByName(this.env.LiveSession, room.name);
  }

  /** Closes the connections opened under a session (logout, revocation); returns how many. */
  endSession(sessionId: string): Promise<number> {
    return this.endSessions([sessionId]);
  }
}

/** The chat an event belongs to (`message:*` events carry `chat_id`), for the replay filter. */
function chatIdOf(event: UserEvent): string | null {
  if (!event.event.startsWith("message:")) return null;
  const chatId = (event.data as { chat_id?: unknown } | null)?.chat_id;
  return typeof chatId === "string" ? chatId : null;
}

/** Sends unless the socket is closing at this moment (the runtime drops it then). */
function trySend(connection: Connection, payload: string): boolean {
  try {
    connection.send(payload);
    return true;
  } catch {
    return false;
  }
}

function send(connection: Connection, event: UserEvent) {
  connection.send(JSON.stringify(event));
}

const invalid = refuseInput;
