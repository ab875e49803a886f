import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { LiveSession } from "../../party/live-session";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { upgrade, wrapSocket } from "../realtime/socket";
import { createSession, sessionClinic, uploadFrames } from "../sessions/helpers";
import { join, PORTRAIT, squatFrames, stream, until, type LiveSocket, type Msg } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  ({ clinic } = await sessionClinic());
});

describe("happy", () => {
  it("counts a synthetic squat live, cues a forward lean, and stores every frame", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const { socket, res } = await join(session.session_id, clinic.patientUser.token, "protocol");
    expect(res.headers.get("sec-websocket-protocol")).toBe("rehab.v1");
    const ready = await socket.next();
    expect(ready).toMatchObject({ type: "ready", mode: "device", rep_count: 0 });
    expect(ready.exercise.slug).toBe("squat");

    const frames = squatFrames(3, (i) => (i === 1 ? { trunk_lean: 65 } : {}));
    const received = await stream(socket, frames);
    const feedback = received.filter((m) => m.type === "feedback");
    expect(feedback.length).toBe(Math.ceil(frames.length / 10));
    expect(feedback.at(-1)!.rep_count).toBe(3);
    expect(feedback.every((f) => typeof f.phase === "string")).toBe(true);
    expect(feedback.some((f) => f.primary_angle !== null && f.primary_angle < 110)).toBe(true);
    const leanCues = feedback.filter((f) => f.cues.some((c: any) => c.code === "forward_lean"));
    expect(leanCues.length, "the forward lean of the second repetition is cued").toBeGreaterThan(0);
    const counts = leanCues.map((f) => f.rep_count);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);

    socket.close();
    // The room flushes on close: every frame becomes pose data of the session.
    const last = frames.at(-1)!.timestamp;
    await expect
      .poll(async () => {
        const r = await api("GET", `/api/v1/sessions/${session.session_id}`, {
          token: clinic.physio.token,
        });
        return r.body?.data?.pose_data?.frame_count;
      })
      .toBe(frames.length);
    const window = expectStatus(
      await api("GET", `/api/v1/sessions/${session.session_id}/frames?from_ms=0&to_ms=${last}`, {
        token: clinic.physio.token,
      }),
      200,
    );
    expect(JSON.stringify(window.body.data)).toContain(
      String(frames[5]!.timestamp - frames[0]!.timestamp),
    );
  });

  it("acknowledges stored frames, ignores resends after a reconnect, and resumes the count", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(2);
    const half = Math.floor(frames.length / 2);
    const first = await join(session.session_id, clinic.patientUser.token);
    await first.socket.next();
    const seen = await stream(first.socket, frames.slice(0, half));
    const stored = seen.filter((m) => m.type === "stored");
    const through = stored.length > 0 ? stored.at(-1)!.through : -1;
    first.socket.close();

    const second = await join(session.session_id, clinic.patientUser.token);
    const ready = await second.socket.next();
    expect(ready.type).toBe("ready");
    // A device resends from what it knows is stored; the room ignores what it already has.
    const resend = frames.filter((f) => f.timestamp > through);
    const received = await stream(second.socket, resend);
    const feedback = received.filter((m) => m.type === "feedback");
    const ignored = feedback.reduce((n, f) => n + (f.ignored ?? 0), 0);
    expect(ignored).toBe(half - frames.filter((f) => f.timestamp <= through).length);
    expect(feedback.at(-1)!.rep_count).toBe(2);
    second.socket.close();
    await expect
      .poll(async () => {
        const r = await api("GET", `/api/v1/sessions/${session.session_id}`, {
          token: clinic.patientUser.token,
        });
        return r.body?.data?.pose_data?.frame_count;
      })
      .toBe(frames.length);
  });

  it("lets a care-team clinician watch and send a cue that reaches the device at once", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const device = (await join(session.session_id, clinic.patientUser.token)).socket;
    await device.next();
    const watcher = (await join(session.session_id, clinic.physio.token)).socket;
    expect(await watcher.next()).toMatchObject({ type: "ready", mode: "watcher" });

    device.send({ type: "frames", frames: squatFrames(1).slice(0, 5), frame_size: PORTRAIT });
    await until(device, "feedback");
    const seen: Msg[] = [];
    await until(watcher, "feedback", seen);
    const skeleton = await until(watcher, "frames", seen).catch(() =>
      seen.find((m) => m.type === "frames"),
    );
    expect(skeleton?.frames[0].landmarks).toHaveLength(33);

    watcher.send({ type: "cue", message: "Slow down on the way up" });
    const cue = await until(device, "cue");
    expect(cue).toMatchObject({
      message: "Slow down on the way up",
      from: { user_id: clinic.physio.id, role: "physiotherapist" },
    });
    device.close();
    watcher.close();
  });
});

describe("errors", () => {
  it("answers a bad message with an error event and keeps the socket", async () => {
    const session = await createSession(clinic);
    const { socket } = await join(session.session_id, clinic.patientUser.token);
    await socket.next();
    socket.send("not json");
    expect(await socket.next()).toMatchObject({ type: "error", code: "VALIDATION_ERROR" });
    const frame = squatFrames(1)[0]!;
    socket.send({
      type: "frames",
      frames: [{ ...frame, landmarks: frame.landmarks.slice(0, 32) }],
    });
    const bad = await socket.next();
    expect(bad.type).toBe("error");
    expect(bad.details[0].field).toBe("frames.0.landmarks");
    socket.send({ type: "frames", frames: [{ ...frame, timestamp: -1 }] });
    expect((await socket.next()).details[0].field).toBe("frames.0.timestamp");
    socket.send({ type: "cue", message: "patients cannot cue" });
    expect(await socket.next()).toMatchObject({ type: "error", code: "FORBIDDEN" });
    socket.send({ type: "ping", id: "still-open" });
    expect(await socket.next()).toEqual({ type: "pong", id: "still-open" });
    socket.close();
  });

  it("refuses a completed session's device but lets its care team watch; no upgrade is 426", async () => {
    const session = await createSession(clinic);
    const plain = await api("GET", `/parties/live-session/${session.session_id}`, {
      token: clinic.patientUser.token,
    });
    expect(plain.status).toBe(426);
    const bad = await upgrade(`/parties/live-session/not-a-uuid?token=${clinic.patientUser.token}`);
    expect(bad.status).toBe(422);

    await uploadFrames(clinic.patientUser.token, session.session_id, squatFrames(1));
    const done = await api("POST", `/api/v1/sessions/${session.session_id}/complete`, {
      token: clinic.patientUser.token,
    });
    expect([200, 202], JSON.stringify(done.body)).toContain(done.status);
    const path = `/parties/live-session/${session.session_id}?token=`;
    const device = await upgrade(path + encodeURIComponent(clinic.patientUser.token));
    expect(device.status, await device.clone().text()).toBe(409);
    const watcher = await join(session.session_id, clinic.physio.token);
    expect(await watcher.socket.next()).toMatchObject({ type: "ready", mode: "watcher" });
    watcher.socket.close();
  });
});

describe("security", () => {
  it("refuses no token, another workspace, another patient, family and staff off the care team", async () => {
    const session = await createSession(clinic);
    const path = `/parties/live-session/${session.session_id}`;
    expect((await upgrade(path)).status).toBe(401);
    const other = await createClinic("Elsewhere");
    const cases: [string, number][] = [
      [other.admin.token, 404],
      [other.patientUser.token, 404],
      [clinic.otherPatientUser.token, 404],
      [clinic.family.token, 403],
      [clinic.doctor.token, 404],
    ];
    for (const [token, status] of cases) {
      const res = await upgrade(`${path}?token=${encodeURIComponent(token)}`);
      expect(res.status, await res.clone().text()).toBe(status);
      expect(res.webSocket).toBeNull();
    }
    const denied = await env.DB.prepare(
      "select count(*) as n from audit_log where resource_id in (?, ?) and outcome != 'success'",
    )
      .bind(session.session_id, clinic.patient.id)
      .first<{ n: number }>();
    expect(denied!.n).toBeGreaterThanOrEqual(3);
  });

  it("refuses a connection that did not come through the Worker", async () => {
    const session = await createSession(clinic);
    const stub = env.LiveSession.get(env.LiveSession.idFromName(session.session_id));
    const res = await stub.fetch(
      new Request(`https://x/parties/live-session/${session.session_id}`, {
        headers: {
          upgrade: "websocket",
          "x-partykit-room": session.session_id,
          "x-partykit-namespace": "live-session",
        },
      }),
    );
    const socket = wrapSocket(res.webSocket!) as unknown as LiveSocket;
    expect(await socket.closed).toBe(1008);
    await runInDurableObject(stub, async (room: LiveSession) => {
      expect([...room.getConnections()]).toHaveLength(0);
    });
  });
});
