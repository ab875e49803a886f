/** The call room's SFU broker with credentials configured, against a scripted Realtime API. */
import { env as workerEnv } from "cloudflare:test";
import type { Connection } from "partyserver";
import { describe, expect, it } from "vitest";
import { brokerSfu, type ConnState } from "../../party/call-room.sfu";

// The real rate limiter: creating an SFU session is counted per user (the default limit here).
const env = {
  CF_REALTIME_APP_ID: "app",
  CF_REALTIME_APP_TOKEN: "token",
  RateLimiter: workerEnv.RateLimiter,
};
const offer = { type: "offer" as const, sdp: "v=0\r\n" };

/** A stand-in for a partyserver connection: keeps its state and what it was sent. */
function connection(id: string, userId: string) {
  const sent: any[] = [];
  let state: ConnState = {
    userId,
    workspaceId: "w",
    role: "physiotherapist",
    sessionId: `s-${id}`,
    callId: "call",
    participants: ["u1", "u2"],
    sfu: [],
  };
  const conn = {
    id,
    get state() {
      return state;
    },
    setState(next: ConnState) {
      state = next;
      return state;
    },
    send(message: string) {
      sent.push(JSON.parse(message));
    },
  };
  return { conn: conn as unknown as Connection<ConnState>, sent };
}

function api() {
  const calls: { url: string; body: any }[] = [];
  let n = 0;
  const fetcher = (async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), body: init?.body ? JSON.parse(String(init.body)) : null });
    if (String(url).endsWith("/sessions/new")) {
      return Response.json({
        sessionId: `sfu-${++n}`,
        sessionDescription: { type: "answer", sdp: "a" },
      });
    }
    return Response.json({ sessionDescription: { type: "answer", sdp: "b" }, tracks: [] });
  }) as typeof fetch;
  return { fetcher, calls };
}

describe("happy", () => {
  it("creates each client's session, publishes its tracks and tells the others", async () => {
    const a = connection("a", "u1");
    const b = connection("b", "u2");
    const broadcasts: { message: any; without?: string[] }[] = [];
    const room = {
      connections: () => [a.conn, b.conn],
      broadcast: (message: string, without?: string[]) =>
        broadcasts.push({ message: JSON.parse(message), without }),
    };
    const { fetcher, calls } = api();
    await brokerSfu(env, a.conn, { event: "sfu:session", data: { offer } }, room, fetcher);
    expect(a.sent[0]).toEqual({
      event: "sfu:session",
      data: { session_id: "sfu-1", answer: { type: "answer", sdp: "a" } },
    });
    expect(a.conn.state!.sfu).toEqual(["sfu-1"]);
    await brokerSfu(
      env,
      a.conn,
      {
        event: "sfu:tracks",
        data: {
          session_id: "sfu-1",
          tracks: [{ location: "local", mid: "0", trackName: "cam" }],
          offer,
        },
      },
      room,
      fetcher,
    );
    expect(broadcasts).toEqual([
      {
        message: {
          event: "sfu:published",
          data: { from: "u1", session_id: "sfu-1", tracks: ["cam"] },
        },
        without: ["a"],
      },
    ]);
    await brokerSfu(env, b.conn, { event: "sfu:session", data: { offer } }, room, fetcher);
    await brokerSfu(
      env,
      b.conn,
      {
        event: "sfu:tracks",
        data: {
          session_id: "sfu-2",
          tracks: [{ location: "remote", sessionId: "sfu-1", trackName: "cam" }],
        },
      },
      room,
      fetcher,
    );
    expect(b.sent.at(-1).event).toBe("sfu:tracks");
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual([
      "/v1/apps/app/sessions/new",
      "/v1/apps/app/sessions/sfu-1/tracks/new",
      "/v1/apps/app/sessions/new",
      "/v1/apps/app/sessions/sfu-2/tracks/new",
    ]);
  });
});

describe("security", () => {
  it("refuses another client's session and tracks of sessions outside the call", async () => {
    const a = connection("a", "u1");
    const b = connection("b", "u2");
    const room = { connections: () => [a.conn, b.conn], broadcast: () => undefined };
    const { fetcher, calls } = api();
    await brokerSfu(env, a.conn, { event: "sfu:session", data: { offer } }, room, fetcher);
    await brokerSfu(
      env,
      b.conn,
      {
        event: "sfu:renegotiate",
        data: { session_id: "sfu-1", answer: { type: "answer", sdp: "x" } },
      },
      room,
      fetcher,
    );
    expect(b.sent.at(-1).data.details[0].field).toBe("data.session_id");
    await brokerSfu(
      env,
      a.conn,
      {
        event: "sfu:tracks",
        data: {
          session_id: "sfu-1",
          tracks: [{ location: "remote", sessionId: "elsewhere", trackName: "cam" }],
        },
      },
      room,
      fetcher,
    );
    expect(a.sent.at(-1).data.details[0].field).toBe("data.tracks.0.sessionId");
    expect(calls).toHaveLength(1); // only the first session was created
  });
});

describe("errors", () => {
  it("answers CONFLICT without credentials and calls nothing", async () => {
    const a = connection("a", "u1");
    const { fetcher, calls } = api();
    await brokerSfu(
      { RateLimiter: workerEnv.RateLimiter },
      a.conn,
      { event: "sfu:session", data: { offer } },
      { connections: () => [], broadcast: () => undefined },
      fetcher,
    );
    expect(a.sent[0].data.code).toBe("CONFLICT");
    expect(calls).toHaveLength(0);
  });
});
