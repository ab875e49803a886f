/** The Cloudflare Realtime (SFU) adapter against a scripted API (the real one is unreachable here). */
import { describe, expect, it } from "vitest";
import { RealtimeSfu, SFU_BASE_URL, SfuError, sfuConfig } from "../../src/modules/calls/sfu";

type Seen = { url: string; method: string; auth: string | null; body: any };

function scripted(responses: { status: number; body: unknown }[]) {
  const seen: Seen[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    seen.push({
      url: String(input),
      method: init?.method ?? "GET",
      auth: headers.get("authorization"),
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    });
    const next = responses.shift();
    if (!next) throw new Error("no scripted response left");
    return new Response(JSON.stringify(next.body), { status: next.status });
  }) as typeof fetch;
  return { fetcher, seen };
}

const config = { appId: "app123", token: "secret-token" };
const offer = { type: "offer" as const, sdp: "v=0\r\n" };

describe("happy", () => {
  it("creates a session and publishes then pulls tracks with the app token", async () => {
    const { fetcher, seen } = scripted([
      { status: 201, body: { sessionId: "s1", sessionDescription: { type: "answer", sdp: "a" } } },
      {
        status: 200,
        body: {
          requiresImmediateRenegotiation: false,
          sessionDescription: { type: "answer", sdp: "b" },
          tracks: [{ mid: "0", trackName: "cam" }],
        },
      },
      {
        status: 200,
        body: {
          requiresImmediateRenegotiation: true,
          tracks: [{ trackName: "cam", sessionId: "s1" }],
        },
      },
    ]);
    const sfu = new RealtimeSfu(config, fetcher);
    const session = await sfu.newSession(offer);
    expect(session.sessionId).toBe("s1");
    const published = await sfu.addTracks(
      "s1",
      [{ location: "local", mid: "0", trackName: "cam" }],
      offer,
    );
    expect(published.sessionDescription?.sdp).toBe("b");
    const pulled = await sfu.addTracks("s2", [
      { location: "remote", sessionId: "s1", trackName: "cam" },
    ]);
    expect(pulled.requiresImmediateRenegotiation).toBe(true);

    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      `POST ${SFU_BASE_URL}/apps/app123/sessions/new`,
      `POST ${SFU_BASE_URL}/apps/app123/sessions/s1/tracks/new`,
      `POST ${SFU_BASE_URL}/apps/app123/sessions/s2/tracks/new`,
    ]);
    expect(seen.every((s) => s.auth === "Bearer secret-token")).toBe(true);
    expect(seen[0]!.body).toEqual({ sessionDescription: offer });
    expect(seen[1]!.body).toEqual({
      sessionDescription: offer,
      tracks: [{ location: "local", mid: "0", trackName: "cam" }],
    });
    expect(seen[2]!.body).toEqual({
      tracks: [{ location: "remote", sessionId: "s1", trackName: "cam" }],
    });
  });

  it("is configured only with both the app id and the token", () => {
    expect(sfuConfig({})).toBeNull();
    expect(sfuConfig({ CF_REALTIME_APP_ID: "a" })).toBeNull();
    expect(sfuConfig({ CF_REALTIME_APP_ID: "a", CF_REALTIME_APP_TOKEN: "t" })).toEqual({
      appId: "a",
      token: "t",
    });
  });
});

describe("errors", () => {
  it("turns API errors, odd shapes and network failures into a 502 without the token", async () => {
    const cases: [number, unknown][] = [
      [401, { errorCode: "unauthorized" }],
      [200, { errorCode: "invalid_sdp", errorDescription: "bad" }],
      [201, { nothing: true }],
    ];
    for (const [status, body] of cases) {
      const { fetcher } = scripted([{ status, body }]);
      const error = await new RealtimeSfu(config, fetcher).newSession().catch((e) => e);
      expect(error).toBeInstanceOf(SfuError);
      expect(error.status).toBe(502);
      expect(error.message).not.toContain("secret-token");
    }
    const down = (async () => {
      throw new TypeError("network down");
    }) as typeof fetch;
    const error = await new RealtimeSfu(config, down).newSession().catch((e) => e);
    expect(error).toBeInstanceOf(SfuError);
  });
});

describe("security", () => {
  it("escapes ids in the path", async () => {
    const { fetcher, seen } = scripted([{ status: 200, body: { tracks: [] } }]);
    await new RealtimeSfu(config, fetcher).addTracks("../../x", [
      { location: "local", mid: "0", trackName: "a" },
    ]);
    expect(seen[0]!.url).toBe(`${SFU_BASE_URL}/apps/app123/sessions/..%2F..%2Fx/tracks/new`);
  });
});
