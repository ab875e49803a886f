/**
 * The API's sockets over partysocket (reconnecting WebSockets). The access token travels as the
 * subprotocol `bearer.<token>` beside the room's own (`rehab.v1`; the pose stream's `pose`), so it
 * stays out of URLs and logs; each reconnect reads the client's current token, renewed first when
 * it is about to expire or the server closed the socket for its session (4001).
 *
 * `/ws` replay: every stored event carries a per-user `seq`. The stream remembers the last `seq`
 * the app processed and reconnects with `?since=<seq>`, so the server replays what was missed, in
 * order; on `resync_required` the app refetches over HTTP and the stream continues from
 * `latest_seq`.
 */
import ReconnectingWebSocket, { type CloseEvent, type Options } from "partysocket/ws";
import type { RehabClient } from "./client";

const BEARER = "bearer.";
const SESSION_ENDED = 4001;
/** Close codes after which reconnecting cannot help: policy, access revoked, not found, taken over. */
const FINAL_CODES = new Set([1008, 4000, 4003, 4004, 4009]);

export type RoomSocketOptions = {
  /** The protocol the room selects (default `rehab.v1`; the pose stream speaks `pose`). */
  protocol?: string;
  /** Query parameters read at each (re)connect. */
  query?: () => Record<string, string | number | undefined>;
  /** partysocket's options (retries, delays; `WebSocket` for a runtime without a global one). */
  socket?: Options;
};

/** True when a JWT's `exp` is within `marginS` seconds (or unreadable). */
function expiresSoon(token: string, marginS = 30): boolean {
  try {
    const part = token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
    const { exp } = JSON.parse(atob(part)) as { exp?: number };
    return typeof exp !== "number" || exp * 1000 - Date.now() < marginS * 1000;
  } catch {
    return true;
  }
}

/**
 * A reconnecting socket to one of the API's socket paths (`/ws`, `/parties/live-session/{id}`,
 * `/api/v1/chats/{id}/ws`, ...), authenticated with the bearer subprotocol.
 */
export function roomSocket(
  client: RehabClient,
  baseUrl: string,
  path: string,
  options: RoomSocketOptions = {},
): ReconnectingWebSocket {
  let sessionEnded = false;
  const url = () => {
    const u = new URL(path, baseUrl);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    for (const [name, value] of Object.entries(options.query?.() ?? {}))
      if (value !== undefined) u.searchParams.set(name, String(value));
    return u.toString();
  };
  const protocols = async () => {
    let token = client.accessToken;
    if (sessionEnded || !token || expiresSoon(token)) {
      sessionEnded = false;
      token = (await client.refresh()) ? client.accessToken : null;
    }
    return [options.protocol ?? "rehab.v1", `${BEARER}${token ?? ""}`];
  };
  const { shouldReconnectOnClose: reconnects, ...rest } = options.socket ?? {};
  const socket = new ReconnectingWebSocket(url, protocols, {
    maxRetries: 12,
    ...rest,
    shouldReconnectOnClose: (event: CloseEvent) => {
      if (event.code === SESSION_ENDED) sessionEnded = true;
      return reconnects ? reconnects(event) : !FINAL_CODES.has(event.code);
    },
  });
  return socket;
}

/** A frame of `/ws`: `{ event, data, seq? }` (stored events carry `seq`). */
export type UserEvent = { event: string; data: Record<string, unknown>; seq?: number };

export type UserStreamOptions = {
  /** Called for every event in order, replayed ones first; `seq` is recorded after it returns. */
  onEvent: (event: UserEvent) => void;
  /** The server could not fill the gap: refetch over HTTP (the stream continues from `latest_seq`). */
  onResync?: (data: { since: number; reason: string; latest_seq: number }) => void;
  /** The last `seq` processed in an earlier run (persisted by the app), if any. */
  since?: number | null;
  /** A device id: the server keeps this device's cursor, moved by the `ack` sent after each event. */
  deviceId?: string;
  socket?: Options;
};

export type UserStream = {
  socket: ReconnectingWebSocket;
  /** The last `seq` processed: persist it to resume after the app restarts. */
  readonly lastSeq: number | null;
  close(): void;
};

/** The signed-in user's event stream (`/ws`), resuming with `?since=` after every reconnect. */
export function userStream(
  client: RehabClient,
  baseUrl: string,
  options: UserStreamOptions,
): UserStream {
  let lastSeq = options.since ?? null;
  const socket = roomSocket(client, baseUrl, "/ws", {
    query: () => ({ since: lastSeq ?? undefined, device_id: options.deviceId }),
    ...(options.socket && { socket: options.socket }),
  });
  socket.addEventListener("message", (message) => {
    let frame: UserEvent;
    try {
      frame = JSON.parse(String(message.data)) as UserEvent;
    } catch {
      return;
    }
    if (frame.event === "resync_required") {
      const data = frame.data as { since: number; reason: string; latest_seq: number };
      options.onResync?.(data);
      lastSeq = data.latest_seq;
      return;
    }
    options.onEvent(frame);
    if (typeof frame.seq === "number" && (lastSeq === null || frame.seq > lastSeq)) {
      lastSeq = frame.seq;
      if (options.deviceId) socket.send(JSON.stringify({ event: "ack", data: { seq: lastSeq } }));
    }
  });
  return {
    socket,
    get lastSeq() {
      return lastSeq;
    },
    close: () => socket.close(1000, "done"),
  };
}
