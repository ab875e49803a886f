/**
 * The call room's Cloudflare Realtime (SFU) broker, and the socket helpers the room shares.
 *
 * Invariants: the app token stays on the server (sfu.ts); a client uses only SFU sessions it
 * created through this room (kept in its connection state), and pulls only tracks of sessions
 * created in this call; without SFU credentials every `sfu:*` message answers `CONFLICT`.
 */
import type { Connection } from "partyserver";
import type { Bindings } from "../src/env";
import { enforceNamedLimit } from "../src/middleware/rate-limit";
import { RealtimeSfu, sfuConfig } from "../src/modules/calls/sfu";
import type { CallRoomIn } from "../src/realtime/call-room.schemas";
import type { StreamCaller } from "../src/realtime/identity";
import { refuseInput } from "./socket-input";

/** What a call room connection carries: who (from the Worker), the call, its SFU sessions. */
export type ConnState = StreamCaller & { callId: string; participants: string[]; sfu: string[] };
type Out = { event: string; data: unknown };

type Room = {
  connections(): Iterable<Connection<ConnState>>;
  broadcast(message: string, without?: string[]): void;
};

/** Handles one `sfu:*` message of a connection: create a session, add tracks, renegotiate. */
export async function brokerSfu(
  env: Pick<Bindings, "CF_REALTIME_APP_ID" | "CF_REALTIME_APP_TOKEN" | "RateLimiter">,
  connection: Connection<ConnState>,
  input: Extract<CallRoomIn, { event: `sfu:${string}` }>,
  room: Room,
  fetcher: typeof fetch = fetch,
) {
  const config = sfuConfig(env);
  const me = connection.state!;
  if (!config) {
    return send(connection, {
      event: "error",
      data: { code: "CONFLICT", message: "This call is peer-to-peer; no SFU is configured" },
    });
  }
  const sfu = new RealtimeSfu(config, fetcher);
  if (input.event === "sfu:session") {
    // SFU sessions cost money: per user, refused (RATE_LIMITED, with the limit) before creating.
    await enforceNamedLimit(env, "sfu", me.userId);
    const session = await sfu.newSession(input.data.offer);
    connection.setState({
      ...me,
      participants: [...me.participants],
      sfu: [...me.sfu, session.sessionId],
    });
    return send(connection, {
      event: "sfu:session",
      data: { session_id: session.sessionId, answer: session.sessionDescription ?? null },
    });
  }
  if (!me.sfu.includes(input.data.session_id)) {
    return invalid(connection, [{ field: "data.session_id", message: "Not your SFU session" }]);
  }
  if (input.event === "sfu:renegotiate") {
    await sfu.renegotiate(input.data.session_id, input.data.answer);
    return send(connection, {
      event: "sfu:renegotiated",
      data: { session_id: input.data.session_id },
    });
  }
  // Pull only tracks published in this call (by a participant's session).
  const ours = new Set([...room.connections()].flatMap((c) => c.state?.sfu ?? []));
  const foreign = input.data.tracks.findIndex(
    (t) => t.location === "remote" && !ours.has(t.sessionId),
  );
  if (foreign >= 0) {
    return invalid(connection, [
      { field: `data.tracks.${foreign}.sessionId`, message: "Not a session of this call" },
    ]);
  }
  const result = await sfu.addTracks(input.data.session_id, input.data.tracks, input.data.offer);
  send(connection, {
    event: "sfu:tracks",
    data: { session_id: input.data.session_id, ...result },
  });
  const published = input.data.tracks.filter((t) => t.location === "local");
  if (published.length) {
    const data = {
      from: me.userId,
      session_id: input.data.session_id,
      tracks: published.map((t) => t.trackName),
    };
    room.broadcast(JSON.stringify({ event: "sfu:published", data }), [connection.id]);
  }
}

export function send(connection: Connection, event: Out) {
  try {
    connection.send(JSON.stringify(event));
  } catch {
    // Closing at this moment.
  }
}

/** Answers a bad message with `error`; the socket stays open. */
export const invalid = refuseInput;
