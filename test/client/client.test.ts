/**
 * The typed client (client/) against the real Worker: the phone app's flow (sign in, create a
 * session, upload the video to its signed URL, stream frames, complete), refresh on 401 with one
 * shared renewal, the Idempotency-Key resend after a lost answer, typed errors, and `/ws` replay
 * with `since` after a dropped connection. Calls go through SELF.fetch via the client's `fetch`.
 */
import { env, SELF } from "cloudflare:test";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import {
  ApiError,
  ERROR_CODES,
  createClient,
  idempotent,
  idempotencyKey,
  userStream,
  type TokenPair,
  type UserEvent,
} from "../../client/src/index";
import { ERROR_STATUS } from "../../src/lib/errors";
import { signToken } from "../../src/lib/tokens";
import { publishToUser } from "../../src/modules/realtime/realtime.service";
import { PASSWORD, createUser } from "../helpers/fixtures";
import { sessionClinic, squatFrames } from "../sessions/helpers";
import { SelfWebSocket } from "./self-socket";

const BASE = "https://api.test";

/** The Worker's own fetch, recording each request's method and path. */
function transport(log: string[] = []) {
  return async (request: Request) => {
    log.push(`${request.method} ${new URL(request.url).pathname}`);
    return SELF.fetch(request);
  };
}

/** An access token like `token` (same user, same login session) that expired a minute ago. */
async function expired(token: string) {
  const { iss: _i, aud: _a, jti: _j, iat: _t, exp: _e, ...claims } = decodeJwt(token);
  return (await signToken(env.JWT_SECRET, "access", claims as { sub: string }, -60)).token;
}

describe("happy", () => {
  it("runs the phone app's flow: sign in, session, video upload, frames, complete", async () => {
    const { clinic } = await sessionClinic();
    const log: string[] = [];
    const api = createClient({ baseUrl: BASE, fetch: transport(log) });

    const pair = await api.signIn({ email: clinic.patientUser.email, password: PASSWORD });
    expect(pair.user.role).toBe("patient");
    const created = await api.POST("/api/v1/sessions", {
      body: { patient_id: clinic.patient.id, exercise_type: "squat" },
      ...idempotent(),
    });
    expect(created.status).toBe("pending");
    const ticket = created.upload_urls.video_upload!;
    const media = await api.upload(created.upload_urls.video, new Uint8Array(2048).fill(7), {
      ...ticket.headers,
      "content-type": "video/mp4",
    });
    expect(media).toMatchObject({ media_id: ticket.media_id });

    const frames = squatFrames({ reps: 4 });
    for (let i = 0; i < frames.length; i += 200) {
      const chunk = await api.POST("/api/v1/sessions/{id}/data", {
        params: { path: { id: created.session_id } },
        body: { frames: frames.slice(i, i + 200) },
        ...idempotent(`${created.session_id}:${i}`),
      });
      expect(chunk.session_id).toBe(created.session_id);
    }
    const done = await api.POST("/api/v1/sessions/{id}/complete", {
      params: { path: { id: created.session_id } },
    });
    expect(done.status).toBe("review_pending");
    expect(done.pose_data?.rep_count).toBe(4);

    // The bearer token rode on every API call, never on the signed upload URL.
    expect(log.filter((l) => l.startsWith("PUT "))).toHaveLength(1);
    const detail = await api.GET("/api/v1/sessions/{id}", {
      params: { path: { id: created.session_id } },
    });
    expect("session" in detail && detail.session.video_url).toMatch(/\/api\/v1\/media\//);
  });

  it("renews an expired token once for concurrent 401s and retries each request", async () => {
    const { clinic } = await sessionClinic();
    const user = clinic.physio;
    const log: string[] = [];
    const pairs: (TokenPair | null)[] = [];
    const api = createClient({
      baseUrl: BASE,
      fetch: transport(log),
      tokens: { access_token: await expired(user.token), refresh_token: user.refreshToken },
      onTokens: (p) => pairs.push(p),
    });

    const [profile, patients, sessions] = await Promise.all([
      api.GET("/api/v1/auth/profile"),
      api.GET("/api/v1/patients"),
      api.GET("/api/v1/sessions", { params: { query: { page_size: 5 } } }),
    ]);
    expect(profile.id).toBe(user.id);
    expect(patients.map((p) => p.id)).toContain(clinic.patient.id);
    expect(sessions).toEqual([]);
    expect(log.filter((l) => l === "POST /api/v1/auth/refresh")).toHaveLength(1);
    expect(log.filter((l) => l === "GET /api/v1/patients")).toHaveLength(2);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]!.user.id).toBe(user.id);
    expect(api.accessToken).toBe(pairs[0]!.access_token);
    // The API rotated the refresh token: the old one is spent.
    expect(pairs[0]!.refresh_token).not.toBe(user.refreshToken);
  });

  it("resends a POST with the same Idempotency-Key when the answer is lost: one session", async () => {
    const { clinic } = await sessionClinic();
    let lost = 0;
    const statuses: string[] = [];
    const api = createClient({
      baseUrl: BASE,
      tokens: { access_token: clinic.patientUser.token },
      fetch: async (request) => {
        const response = await SELF.fetch(request);
        statuses.push(`${response.status} ${response.headers.get("idempotent-replayed")}`);
        // The server did the work; the phone never hears back.
        if (request.method === "POST" && lost++ === 0)
          throw new TypeError("Network connection lost");
        return response;
      },
    });
    const key = idempotencyKey();
    const created = await api.POST("/api/v1/sessions", {
      body: { patient_id: clinic.patient.id, exercise_type: "squat" },
      ...idempotent(key),
    });
    expect(statuses).toEqual(["201 null", "201 true"]);
    const listed = await api.GET("/api/v1/sessions", {
      params: { query: { patient_id: clinic.patient.id } },
    });
    expect(listed.map((s) => s.id)).toEqual([created.session_id]);
  });

  it("follows /ws with since: events missed while disconnected are replayed once, in order", async () => {
    const { clinic } = await sessionClinic();
    const user = await createUser(clinic.workspaceId, "nurse");
    const api = createClient({
      baseUrl: BASE,
      fetch: transport(),
      tokens: { access_token: user.token, refresh_token: user.refreshToken },
    });
    SelfWebSocket.opened = [];
    const seen: UserEvent[] = [];
    const stream = userStream(api, BASE, {
      onEvent: (e) => seen.push(e),
      socket: { WebSocket: SelfWebSocket, minReconnectionDelay: 50, maxReconnectionDelay: 100 },
    });
    const note = (n: number) => ({ event: "notification:new" as const, data: { id: `n${n}` } });
    await expect.poll(() => seen.map((e) => e.event)).toContain("ready");
    for (let n = 1; n <= 3; n++) await publishToUser(env, user.id, note(n));
    await expect.poll(() => stream.lastSeq).toBe(3);

    SelfWebSocket.opened[0]!.drop();
    for (let n = 4; n <= 6; n++) await publishToUser(env, user.id, note(n));
    await expect.poll(() => seen.some((e) => e.event === "replayed")).toBe(true);
    await publishToUser(env, user.id, note(7));
    await expect.poll(() => stream.lastSeq).toBe(7);
    stream.close();

    const second = SelfWebSocket.opened[1]!;
    expect(new URL(second.url).searchParams.get("since")).toBe("3");
    expect(second.url).not.toContain(user.token);
    expect(second.protocols).toEqual(["rehab.v1", `bearer.${user.token}`]);
    expect(second.protocol).toBe("rehab.v1");
    const notes = seen.filter((e) => e.event === "notification:new");
    expect(notes.map((e) => [e.seq, e.data.id])).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => [n, `n${n}`]),
    );
  });
});

describe("errors", () => {
  it("throws ApiError with the code and the fields a validation error names", async () => {
    const { clinic } = await sessionClinic();
    const api = createClient({
      baseUrl: BASE,
      fetch: transport(),
      tokens: { access_token: clinic.patientUser.token },
    });
    const refused = await api
      .POST("/api/v1/sessions", {
        body: { patient_id: clinic.patient.id, exercise_type: "squat" },
        ...idempotent("short"),
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    const error = refused as ApiError;
    expect([error.status, error.code]).toEqual([422, "VALIDATION_ERROR"]);
    expect(error.fields.map((f) => f.field)).toEqual(["Idempotency-Key"]);
    expect(error.requestId).toEqual(expect.any(String));

    const missing = await api
      .GET("/api/v1/sessions/{id}", { params: { path: { id: crypto.randomUUID() } } })
      .catch((e: ApiError) => e);
    expect([(missing as ApiError).status, (missing as ApiError).code]).toEqual([404, "NOT_FOUND"]);
  });

  it("signs out when the renewal is refused, answering the original 401", async () => {
    const { clinic } = await sessionClinic();
    const pairs: (TokenPair | null)[] = [];
    const api = createClient({
      baseUrl: BASE,
      fetch: transport(),
      tokens: { access_token: await expired(clinic.nurse.token), refresh_token: "x".repeat(40) },
      onTokens: (p) => pairs.push(p),
    });
    const refused = (await api.GET("/api/v1/auth/profile").catch((e) => e)) as ApiError;
    expect([refused.status, refused.code]).toEqual([401, "UNAUTHORIZED"]);
    expect(pairs).toEqual([null]);
    expect(api.accessToken).toBeNull();
  });

  it("reports a network failure as NETWORK_ERROR, and a resend with the key replays", async () => {
    const { clinic } = await sessionClinic();
    let down = true;
    const api = createClient({
      baseUrl: BASE,
      idempotentRetries: 0,
      tokens: { access_token: clinic.patientUser.token },
      fetch: async (request) => {
        const response = await SELF.fetch(request);
        if (down) throw new TypeError("offline");
        return response;
      },
    });
    const options = {
      body: { patient_id: clinic.patient.id, exercise_type: "squat" },
      ...idempotent(),
    };
    const lost = (await api.POST("/api/v1/sessions", options).catch((e) => e)) as ApiError;
    expect([lost.status, lost.code]).toEqual([0, "NETWORK_ERROR"]);
    down = false;
    const again = await api.POST("/api/v1/sessions", options);
    const listed = await api.GET("/api/v1/sessions", {
      params: { query: { patient_id: clinic.patient.id } },
    });
    expect(listed.map((s) => s.id)).toEqual([again.session_id]);
  });

  it("knows exactly the API's error codes", () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });
});

describe("read replication", () => {
  it("sends the latest D1 bookmark it was given, so it reads its own writes", async () => {
    const { clinic } = await sessionClinic();
    const sent: (string | null)[] = [];
    const received: (string | null)[] = [];
    const api = createClient({
      baseUrl: BASE,
      fetch: async (request) => {
        sent.push(request.headers.get("x-d1-bookmark"));
        const response = await SELF.fetch(request);
        received.push(response.headers.get("x-d1-bookmark"));
        return response;
      },
    });
    await api.signIn({ email: clinic.patientUser.email, password: PASSWORD });
    const created = await api.POST("/api/v1/sessions", {
      body: { patient_id: clinic.patient.id, exercise_type: "squat" },
    });
    const read = await api.GET("/api/v1/sessions/{id}", {
      params: { path: { id: created.session_id } },
    });
    expect(JSON.stringify(read)).toContain(created.session_id);
    expect(sent[0]).toBeNull();
    expect(received[1]).toBeTruthy();
    // The read carried the bookmark the write answered (or a later one).
    expect(sent[2]! >= received[1]!).toBe(true);
  });
});
