/**
 * The live room's chunk storage (party/live-store.ts) against real D1 and R2: a chunk whose write
 * failed for a transient reason is kept and stored later as the same chunk, once; a session that
 * no longer takes frames is said to the device and nothing is retried.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { FeedbackPipeline } from "../../party/live-feedback";
import { FrameStore } from "../../party/live-store";
import type { Bindings } from "../../src/env";
import { AnalysisConfig } from "../../src/modules/exercise-types/exercise-types.analysis";
import { LOWER_BODY } from "../../src/modules/exercise-types/exercise-types.catalog-lower";
import type { Clinic } from "../helpers/fixtures";
import { api } from "../helpers/http";
import { createSession, sessionClinic, uploadFrames } from "../sessions/helpers";
import { PORTRAIT, squatFrames } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  ({ clinic } = await sessionClinic());
});

/** A store on the test's bindings, with R2 puts failing while `down.on` is set. */
function storeFor(sessionId: string, sent: string[] = []) {
  const down = { on: false };
  const bucket = new Proxy(env.MEDIA, {
    get(target, key) {
      if (key === "put" && down.on) return () => Promise.reject(new Error("R2 unavailable"));
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const waits: Promise<unknown>[] = [];
  const alarms: number[] = [];
  const device = { state: { mode: "device" }, send: (t: string) => sent.push(t), close() {} };
  const store = new FrameStore({
    env: { ...(env as unknown as Bindings), MEDIA: bucket },
    storage: { setAlarm: async (at: number) => void alarms.push(at) } as never,
    waitUntil: (p) => void waits.push(p.catch(() => undefined)),
    sessionId: () => sessionId,
    connections: () => [device as never],
  });
  return { store, down, alarms, sent };
}

const caller = () => ({
  userId: clinic.patientUser.id,
  workspaceId: clinic.workspaceId,
  role: clinic.patientUser.role,
  sessionId: clinic.patientUser.sessionId,
});

async function frameCount(sessionId: string) {
  const r = await api("GET", `/api/v1/sessions/${sessionId}`, { token: clinic.physio.token });
  return r.body?.data?.pose_data?.frame_count as number;
}

describe("happy", () => {
  it("keeps a chunk whose write failed and stores it later, once, before newer frames", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(1).slice(0, 60);
    const { store, down, alarms, sent } = storeFor(session.session_id);
    down.on = true;
    store.add(caller(), frames.slice(0, 30), PORTRAIT);
    await store.flush();
    expect(alarms.length, "a retry is scheduled").toBeGreaterThan(0);
    expect(await frameCount(session.session_id)).toBe(0);
    expect(sent.some((t) => t.includes('"stored"'))).toBe(false);

    down.on = false;
    store.add(caller(), frames.slice(30), PORTRAIT);
    await store.flush();
    expect(await frameCount(session.session_id)).toBe(60);
    const stored = sent.map((t) => JSON.parse(t)).filter((m) => m.type === "stored");
    expect(stored.map((m) => m.through)).toEqual([frames[29]!.timestamp, frames[59]!.timestamp]);
    expect(store.storedThrough).toBe(frames[59]!.timestamp);
    expect(store.pending).toBe(false);
  });

  it("rebuilds a pipeline from what is stored", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(2);
    await uploadFrames(clinic.patientUser.token, session.session_id, frames);
    const { store } = storeFor(session.session_id);
    const squat = LOWER_BODY.find((e) => e.slug === "squat")!;
    const pipeline = new FeedbackPipeline(AnalysisConfig.parse(squat.analysis), PORTRAIT);
    await store.restore(pipeline, clinic.workspaceId);
    expect(pipeline.newest).toBe(frames.at(-1)!.timestamp);
    expect(store.storedThrough).toBe(frames.at(-1)!.timestamp);
    expect(pipeline.summaryRepCount()).toBe(2);
  });
});

describe("errors", () => {
  it("tells the device when the session takes no more frames, and drops the chunk", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(1);
    await uploadFrames(clinic.patientUser.token, session.session_id, frames.slice(0, 30));
    const done = await api("POST", `/api/v1/sessions/${session.session_id}/complete`, {
      token: clinic.patientUser.token,
    });
    expect([200, 202]).toContain(done.status);
    const { store, sent } = storeFor(session.session_id);
    store.add(caller(), frames.slice(30, 40), PORTRAIT);
    await store.flush();
    const errors = sent.map((t) => JSON.parse(t)).filter((m) => m.type === "error");
    expect(errors).toHaveLength(1);
    expect(store.pending).toBe(false);
    expect(await frameCount(session.session_id)).toBe(30);
  });
});

describe("security", () => {
  it("stores nothing for a device whose login ended, and keeps the frames for a valid one", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const { store } = storeFor(session.session_id);
    const frames = squatFrames(1).slice(0, 10);
    store.add({ ...caller(), sessionId: "00000000-0000-7000-8000-000000000000" }, frames, PORTRAIT);
    await store.flush();
    expect(await frameCount(session.session_id)).toBe(0);
    expect(store.pending, "kept for the next valid device").toBe(true);
    store.add(caller(), [], PORTRAIT);
    await store.flush();
    expect(await frameCount(session.session_id)).toBe(10);
  });
});
