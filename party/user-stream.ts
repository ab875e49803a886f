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
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import type { Bindings } from "../src/env";
import {
  MAX_CLIENT_MESSAGE_BYTES,
  StreamCaller,
  UserStreamIn,
  type UserEvent,
} from "./user-stream.schemas";

/** The header through which the Worker tells this object who connected (never from a client). */
export const CALLER_HEADER = "x-rehab-caller";

/** Close code for a socket whose session ended (application range 4000–4999). */
export const SESSION_ENDED_CODE = 4001;

/** How often open sockets have their sessions re-checked. */
export const SESSION_CHECK_MS = 60_000;

export class UserStream extends Server<Bindings & Cloudflare.Env> {
  static override options = { hibernate: true };

  override onConnect(connection: Connection<StreamCaller>, ctx: ConnectionContext) {
    const caller = readCaller(ctx.request.headers.get(CALLER_HEADER));
    if (!caller || caller.userId !== this.name) {
      connection.close(1008, "unauthorized");
      return;
    }
    connection.setState(caller);
    send(connection, { event: "ready", data: { user_id: caller.userId } });
    return this.scheduleSessionCheck();
  }

  /** Closes the sockets whose session is no longer live; looks again while any remain. */
  override async onAlarm() {
    const connections = [...this.getConnections<StreamCaller>()];
    const sessions = [...new Set(connections.map((c) => c.state?.sessionId ?? ""))];
    const live = new Set<string>();
    // D1 binds at most 100 values per statement: check the sessions 50 at a time.
    for (let i = 0; i < sessions.length; i += 50) {
      const chunk = sessions.slice(i, i + 50);
      const rows = await this.env.DB.prepare(
        `select id from auth_sessions where id in (${chunk.map(() => "?").join(",")})
         and revoked_at is null and expires_at > ?`,
      )
        .bind(...chunk, new Date().toISOString())
        .all<{ id: string }>();
      for (const row of rows.results) live.add(row.id);
    }
    let open = 0;
    for (const connection of connections) {
      if (connection.state && live.has(connection.state.sessionId)) open++;
      else connection.close(SESSION_ENDED_CODE, "session ended");
    }
    if (open > 0) await this.scheduleSessionCheck();
  }

  private async scheduleSessionCheck() {
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + SESSION_CHECK_MS);
  }

  override onMessage(connection: Connection<StreamCaller>, message: WSMessage) {
    const size = typeof message === "string" ? message.length : message.byteLength;
    if (size > MAX_CLIENT_MESSAGE_BYTES) {
      return invalid(connection, [
        { field: "message", message: `Messages are at most ${MAX_CLIENT_MESSAGE_BYTES} bytes` },
      ]);
    }
    let json: unknown;
    try {
      json = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      return invalid(connection, [
        { field: "message", message: "Messages are JSON objects with an event" },
      ]);
    }
    const parsed = UserStreamIn.safeParse(json);
    if (!parsed.success) {
      return invalid(
        connection,
        parsed.error.issues.map((i) => ({
          field: i.path.join(".") || "event",
          message: i.message,
        })),
      );
    }
    if (parsed.data.event === "ping")
      send(connection, { event: "pong", data: { id: parsed.data.data?.id ?? null } });
  }

  /** Sends an event to every open connection of this user; returns how many received it. */
  async publish(event: UserEvent): Promise<number> {
    const payload = JSON.stringify(event);
    let delivered = 0;
    for (const connection of this.getConnections()) {
      try {
        connection.send(payload);
        delivered++;
      } catch {
        // A socket closing at this moment: it will be dropped by the runtime.
      }
    }
    return delivered;
  }

  /** Closes the connections opened under a session (logout, revocation); returns how many. */
  async endSession(sessionId: string): Promise<number> {
    let closed = 0;
    for (const connection of this.getConnections<StreamCaller>()) {
      if (connection.state?.sessionId !== sessionId) continue;
      connection.close(SESSION_ENDED_CODE, "session ended");
      closed++;
    }
    return closed;
  }
}

function readCaller(raw: string | null): StreamCaller | null {
  if (!raw) return null;
  try {
    const parsed = StreamCaller.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function send(connection: Connection, event: UserEvent) {
  connection.send(JSON.stringify(event));
}

function invalid(connection: Connection, details: { field: string; message: string }[]) {
  send(connection, {
    event: "error",
    data: { code: "VALIDATION_ERROR", message: "Invalid message", details },
  });
}
