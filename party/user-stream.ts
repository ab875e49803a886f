/**
 * Each user's event stream: one PartyServer room per user id, joined through `/ws`.
 *
 * Invariants: the Worker verifies the access token and the session before the upgrade and
 * chooses the room (the caller's own user id); this object trusts only the identity header the
 * Worker sets, which clients cannot reach. Client messages are validated; events are published
 * by the API through `publish()`.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import type { Bindings } from "../src/env";
import { UserStreamIn, type UserEvent } from "./user-stream.schemas";

export const CALLER_HEADER = "x-rehab-caller";

type ConnectionState = { userId: string; workspaceId: string; role: string };

export class UserStream extends Server<Bindings & Cloudflare.Env> {
  static override options = { hibernate: true };

  override onConnect(connection: Connection<ConnectionState>, ctx: ConnectionContext) {
    const raw = ctx.request.headers.get(CALLER_HEADER);
    const caller = raw ? (JSON.parse(raw) as ConnectionState) : null;
    if (!caller || caller.userId !== this.name) {
      connection.close(1008, "unauthorized");
      return;
    }
    connection.setState(caller);
    send(connection, { event: "ready", data: { user_id: caller.userId } });
  }

  override onMessage(connection: Connection<ConnectionState>, message: WSMessage) {
    let json: unknown;
    try {
      json = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      return send(connection, {
        event: "error",
        data: { code: "INVALID_REQUEST", message: "Messages are JSON" },
      });
    }
    const parsed = UserStreamIn.safeParse(json);
    if (!parsed.success) {
      return send(connection, {
        event: "error",
        data: {
          code: "VALIDATION_ERROR",
          details: parsed.error.issues.map((i) => ({
            field: i.path.join(".") || "event",
            message: i.message,
          })),
        },
      });
    }
    if (parsed.data.event === "ping")
      send(connection, { event: "pong", data: { id: parsed.data.data?.id ?? null } });
  }

  /** Sends an event to every open connection of this user; returns how many received it. */
  async publish(event: UserEvent): Promise<number> {
    const payload = JSON.stringify(event);
    let delivered = 0;
    for (const connection of this.getConnections()) {
      connection.send(payload);
      delivered++;
    }
    return delivered;
  }
}

function send(connection: Connection, event: UserEvent) {
  connection.send(JSON.stringify(event));
}
