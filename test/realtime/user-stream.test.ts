import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { SESSION_ENDED_CODE } from "../../party/user-stream";
import { drizzle } from "drizzle-orm/d1";
import { authSessions } from "../../src/db/schema/auth";
import { signToken } from "../../src/lib/tokens";
import { HANDOFF_HEADERS } from "../../src/realtime/handoff";
import { openSession } from "../../src/modules/auth/auth.sessions";
import { endUserStreamSession, publishToUser } from "../../src/modules/realtime/realtime.service";
import { createClinic, createUser, type Clinic } from "../helpers/fixtures";
import { api } from "../helpers/http";
import { openStream, upgrade, wrapSocket } from "./socket";

let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Realtime Clinic");
});

async function expectRefused(res: Response, status: number) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.webSocket, "no socket on a refusal").toBeNull();
  const body = JSON.parse(text);
  expect(body.success).toBe(false);
  expect(body.meta.request_id).toBeTruthy();
  return body;
}

describe("happy", () => {
  it("upgrades with ?token=, says ready, answers ping with pong", async () => {
    const { res, socket } = await openStream(clinic.physio.token);
    expect(res.status).toBe(101);
    expect(await socket.next()).toMatchObject({
      event: "ready",
      data: { user_id: clinic.physio.id, device_id: null, cursor: null },
    });
    socket.send({ event: "ping", data: { id: "p1" } });
    expect(await socket.next()).toEqual({ event: "pong", data: { id: "p1" } });
    socket.send({ event: "ping" });
    expect(await socket.next()).toEqual({ event: "pong", data: { id: null } });
    socket.close();
  });

  it("accepts the token in the Authorization header too", async () => {
    const { socket } = await openStream(clinic.nurse.token, "header");
    expect((await socket.next()).event).toBe("ready");
    socket.close();
  });

  it("delivers publishToUser events to every open socket of that user", async () => {
    const a = (await openStream(clinic.doctor.token)).socket;
    const b = (await openStream(clinic.doctor.token)).socket;
    await a.next();
    await b.next();
    const event = { event: "notification:new" as const, data: { id: "n1", title: "Hello" } };
    expect(await publishToUser(env, clinic.doctor.id, event)).toBe(2);
    const got = await a.next();
    expect(got).toMatchObject(event);
    expect(got.seq).toBeGreaterThan(0);
    expect(await b.next()).toEqual(got);
    a.close();
    b.close();
  });

  it("publishing to a user with no socket delivers to nobody", async () => {
    const event = { event: "message:received" as const, data: { id: "m1" } };
    expect(await publishToUser(env, clinic.family.id, event)).toBe(0);
  });

  it("is documented in /openapi.json with a 101 response", async () => {
    const doc = await api("GET", "/openapi.json");
    const op = doc.body.paths["/ws"]?.get;
    expect(op?.responses?.["101"], JSON.stringify(op)).toBeTruthy();
    expect(op.summary).toContain("notification:new");
  });
});

describe("errors", () => {
  it("answers invalid JSON and unknown events with VALIDATION_ERROR and stays open", async () => {
    const { socket } = await openStream(clinic.admin.token);
    await socket.next();
    socket.send("{not json");
    const bad = await socket.next();
    expect(bad.event).toBe("error");
    expect(bad.data.code).toBe("VALIDATION_ERROR");
    expect(bad.data.details[0].field).toBe("message");
    socket.send({ event: "launch:rockets", data: {} });
    const unknown = await socket.next();
    expect(unknown.data.code, JSON.stringify(unknown)).toBe("VALIDATION_ERROR");
    expect(unknown.data.details.map((d: any) => d.field)).toContain("event");
    socket.send({ event: "ping", data: { id: 42 } });
    const wrongType = await socket.next();
    expect(wrongType.data.details.map((d: any) => d.field)).toContain("data.id");
    socket.send("x".repeat(20_000));
    expect((await socket.next()).data.code).toBe("VALIDATION_ERROR");
    socket.send({ event: "ping", data: { id: "still-open" } });
    expect(await socket.next()).toEqual({ event: "pong", data: { id: "still-open" } });
    socket.close();
  });

  it("publishToUser refuses events the API may not publish", async () => {
    const fake = { event: "ready", data: { user_id: clinic.admin.id } } as never;
    await expect(publishToUser(env, clinic.admin.id, fake)).rejects.toThrow();
  });

  it("answers 426 to a request that is not a WebSocket upgrade", async () => {
    const res = await fetchPlain(`/ws?token=${clinic.admin.token}`);
    const body = await expectRefused(res, 426);
    expect(res.headers.get("upgrade")).toBe("websocket");
    expect(body.error.code).toBe("INVALID_REQUEST");
  });
});

const fetchPlain = (path: string) => SELF.fetch(`https://api.test${path}`);

describe("security", () => {
  it("refuses a missing token with 401 before the upgrade", async () => {
    const body = await expectRefused(await upgrade("/ws"), 401);
    expect(body.error.code).toBe("UNAUTHORIZED");
    await expectRefused(await fetchPlain("/ws"), 401);
  });

  it("refuses a refresh token, a tampered, an expired and a garbage token", async () => {
    const claims = {
      sub: clinic.admin.id,
      wid: clinic.workspaceId,
      role: "admin",
      sid: clinic.admin.sessionId,
    };
    const expired = (await signToken(env.JWT_SECRET, "access", claims, -60)).token;
    const valid = clinic.admin.token;
    const tampered = valid.slice(0, -4) + (valid.endsWith("AAAA") ? "BBBB" : "AAAA");
    const forged = (await signToken("another-secret-0123456789abcdef", "access", claims)).token;
    for (const token of [clinic.admin.refreshToken, tampered, expired, forged, "not-a-jwt"]) {
      const res = await upgrade(`/ws?token=${encodeURIComponent(token)}`);
      const body = await expectRefused(res, 401);
      expect(body.error.code).toBe("UNAUTHORIZED");
    }
  });

  it("refuses the token of a revoked session, and closes its open sockets on request", async () => {
    const user = await createUser(clinic.workspaceId, "physiotherapist");
    const { socket } = await openStream(user.token);
    await socket.next();
    await env.DB.prepare("update auth_sessions set revoked_at = ? where id = ?")
      .bind(new Date().toISOString(), user.sessionId)
      .run();
    await expectRefused(await upgrade(`/ws?token=${user.token}`), 401);
    expect(await endUserStreamSession(env, user.id, user.sessionId)).toBe(1);
    expect(await socket.closed).toBe(SESSION_ENDED_CODE);
  });

  it("the minute check closes sockets whose session was revoked and keeps live ones", async () => {
    const user = await createUser(clinic.workspaceId, "nurse");
    // A second session of the same user, in the same room.
    const other = await openSession(
      env.JWT_SECRET,
      {
        id: user.id,
        workspaceId: clinic.workspaceId,
        role: "nurse",
      },
      "password",
    );
    await drizzle(env.DB).insert(authSessions).values(other.session);
    const revoked = (await openStream(user.token)).socket;
    const kept = (await openStream(other.access.token)).socket;
    await revoked.next();
    await kept.next();
    await env.DB.prepare("update auth_sessions set revoked_at = ? where id = ?")
      .bind(new Date().toISOString(), user.sessionId)
      .run();
    const room = env.UserStream.get(env.UserStream.idFromName(user.id));
    expect(await runDurableObjectAlarm(room)).toBe(true);
    expect(await revoked.closed).toBe(SESSION_ENDED_CODE);
    kept.send({ event: "ping", data: { id: "alive" } });
    expect(await kept.next()).toEqual({ event: "pong", data: { id: "alive" } });
    const next = await runInDurableObject(room, (_, state) => state.storage.getAlarm());
    expect(next, "re-checks while sockets remain").toBeGreaterThan(Date.now());
    kept.close();
  });

  it("never delivers another user's events, even with a forged identity header", async () => {
    const spoof = JSON.stringify({
      userId: clinic.patientUser.id,
      workspaceId: clinic.workspaceId,
      role: "patient",
      sessionId: clinic.patientUser.sessionId,
    });
    const res = await upgrade(`/ws?token=${clinic.otherPatientUser.token}`, {
      [HANDOFF_HEADERS.caller]: spoof,
      "x-partykit-room": clinic.patientUser.id,
    });
    expect(res.status).toBe(101);
    const intruder = wrapSocket(res.webSocket!);
    expect((await intruder.next()).data.user_id).toBe(clinic.otherPatientUser.id);
    const { socket: owner } = await openStream(clinic.patientUser.token);
    await owner.next();
    const event = { event: "message:received" as const, data: { id: "private" } };
    expect(await publishToUser(env, clinic.patientUser.id, event)).toBe(1);
    expect(await owner.next()).toMatchObject(event);
    expect(await intruder.quiet()).toBe(true);
    owner.close();
    intruder.close();
  });

  it("keeps the token out of the room (the connection URL is stored with the socket)", async () => {
    const { socket } = await openStream(clinic.nurse.token);
    await socket.next();
    const room = env.UserStream.get(env.UserStream.idFromName(clinic.nurse.id));
    const seen = await runInDurableObject(room, (instance) =>
      [...instance.getConnections<{ userId: string }>()].map((c) => ({
        uri: c.uri,
        state: c.state,
      })),
    );
    expect(seen.length).toBeGreaterThan(0);
    for (const c of seen) {
      expect(c.uri).not.toContain(clinic.nurse.token);
      expect(c.uri).not.toContain("token=");
      expect(c.state?.userId).toBe(clinic.nurse.id);
    }
    socket.close();
  });

  it("the room itself refuses a connection without the Worker's identity header", async () => {
    const room = env.UserStream.get(env.UserStream.idFromName(clinic.admin.id));
    const res = await room.fetch("https://internal/", { headers: { upgrade: "websocket" } });
    const ws = res.webSocket!;
    const closed = new Promise<number>((resolve) =>
      ws.addEventListener("close", (e) => resolve(e.code)),
    );
    ws.accept();
    expect(await closed).toBe(1008);
  });
});

describe("logout closes the session's sockets", () => {
  it("a socket opened by a session is closed when that session logs out", async () => {
    const clinic = await createClinic();
    const { socket } = await openStream(clinic.physio.token);
    expect((await socket.next()).event).toBe("ready");
    const res = await api("POST", "/api/v1/auth/logout", { token: clinic.physio.token });
    expect(res.status, res.text).toBe(200);
    expect(await socket.closed).toBe(SESSION_ENDED_CODE);
  });
});
