/**
 * The live room's two-tier frame storage (party/live-store.ts) in a real room's SQLite storage,
 * against real D1 and R2: acknowledged frames survive a failed ship and an eviction in the middle
 * of one, are shipped exactly once, read back identically from either tier, and are part of the
 * session's completion.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { FeedbackPipeline } from "../../party/live-feedback";
import type { LiveSession } from "../../party/live-session";
import { FlushFailed, FrameStore, type StoreHost } from "../../party/live-store";
import type { Bindings } from "../../src/env";
import { AnalysisConfig } from "../../src/modules/exercise-types/exercise-types.analysis";
import { LOWER_BODY } from "../../src/modules/exercise-types/exercise-types.catalog-lower";
import type { Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { createSession, sessionClinic, uploadFrames } from "../sessions/helpers";
import { PORTRAIT, squatFrames } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  ({ clinic } = await sessionClinic());
});

/** Never settles: an upload or a write the room is waiting for when it is evicted. */
const forever = () => new Promise<never>(() => undefined);

type Faults = { r2: "ok" | "fail" | "hang"; d1: "ok" | "fail" | "hang-after-write" };

/** Bindings whose R2 puts and D1 batches fail or hang as `faults` says at the time of the call. */
function faulty(faults: Faults): Bindings {
  const wrap = <T extends object>(target: T, key: string, fn: (real: any) => any): T =>
    new Proxy(target, {
      get(t, k) {
        const value = Reflect.get(t, k) as any;
        if (k === key) return fn(value.bind(t));
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
  const MEDIA = wrap(env.MEDIA, "put", (put) => (...args: unknown[]) => {
    if (faults.r2 === "fail") return Promise.reject(new Error("R2 unavailable"));
    if (faults.r2 === "hang") return forever();
    return put(...args);
  });
  const DB = wrap(env.DB, "batch", (batch) => async (...args: unknown[]) => {
    if (faults.d1 === "fail") throw new Error("D1 unavailable");
    const result = await batch(...args);
    // The write landed; the answer never comes back (the room is evicted first). A write is
    // told by its rows changed (the upload's read batch holds several statements too).
    const wrote = (result as { meta?: { changes?: number } }[]).some(
      (r) => (r.meta?.changes ?? 0) > 0,
    );
    if (faults.d1 === "hang-after-write" && wrote) return forever();
    return result;
  });
  return { ...(env as unknown as Bindings), MEDIA, DB };
}

const roomOf = (sessionId: string) => env.LiveSession.get(env.LiveSession.idFromName(sessionId));

/** A store over the session's room's own storage, as the room builds it, with `sent` messages. */
function storeIn(state: DurableObjectState, sessionId: string, bindings: Bindings, sent: string[]) {
  const device = { state: { mode: "device" }, send: (t: string) => sent.push(t), close() {} };
  return new FrameStore({
    env: bindings,
    storage: state.storage,
    waitUntil: (p) => state.waitUntil(p.catch(() => undefined)),
    sessionId: () => sessionId,
    connections: () => [device as never],
    wakeBy: () => undefined,
    commitMs: 0,
  });
}

/** The host a store was built with (to build another over the same storage with other options). */
const hostOf = (store: FrameStore) => (store as unknown as { host: StoreHost }).host;

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

async function window(sessionId: string) {
  const r = await api("GET", `/api/v1/sessions/${sessionId}/frames?from_ms=0&limit=3000`, {
    token: clinic.physio.token,
  });
  return expectStatus(r, 200).body.data;
}

/** Buffers `frames` in the session's room, 10 per message, as the room does on `frames`. */
async function buffer(sessionId: string, frames: unknown[], faults?: Faults) {
  const sent: string[] = [];
  await runInDurableObject(roomOf(sessionId), (_room, state) => {
    const store = storeIn(state, sessionId, faulty(faults ?? { r2: "ok", d1: "ok" }), sent);
    for (let i = 0; i < frames.length; i += 10) {
      store.add(caller(), frames.slice(i, i + 10) as never, PORTRAIT);
    }
  });
  return sent.map((t) => JSON.parse(t));
}

const buffered = (sessionId: string) =>
  runInDurableObject(roomOf(sessionId), (room: LiveSession) => room.bufferedFrames().length);

describe("happy", () => {
  it("acknowledges frames once they are in the room's storage, before any D1 or R2 write", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(1).slice(0, 40);
    const acks = await buffer(session.session_id, frames, { r2: "fail", d1: "fail" });
    expect(acks.map((m) => m.type)).toEqual(["stored", "stored", "stored", "stored"]);
    expect(acks.at(-1)).toMatchObject({ through: frames[39]!.timestamp, frames: 40 });
    expect(await frameCount(session.session_id), "nothing in D1 yet").toBe(0);
    expect(await buffered(session.session_id)).toBe(4);
  });

  it("groups messages into one write (group commit) and acknowledges only what it wrote", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const id = session.session_id;
    const frames = squatFrames(1).slice(0, 50);
    const sent: string[] = [];
    await runInDurableObject(roomOf(id), async (_room, state) => {
      const store = new FrameStore({
        ...hostOf(storeIn(state, id, faulty({ r2: "ok", d1: "ok" }), sent)),
        commitMs: 50,
      });
      for (let i = 0; i < 40; i += 10)
        store.add(caller(), frames.slice(i, i + 10) as never, PORTRAIT);
      expect(sent, "nothing acknowledged before the write").toEqual([]);
      expect(store.buffering).toBe(false);
      await new Promise((r) => setTimeout(r, 120));
      expect(sent.map((t) => JSON.parse(t))).toEqual([
        { type: "stored", through: frames[39]!.timestamp, frames: 40 },
      ]);
    });
    expect(await buffered(id), "four messages, one row").toBe(1);
    await runInDurableObject(roomOf(id), async (_room, state) => {
      const store = new FrameStore({
        ...hostOf(storeIn(state, id, faulty({ r2: "ok", d1: "ok" }), [])),
        commitMs: 60_000,
      });
      // A flush writes what waits in memory first: nothing accepted is left behind.
      store.add(caller(), frames.slice(40) as never, PORTRAIT);
      expect(await store.flush()).toBe(50);
    });
    expect(await frameCount(id)).toBe(50);
  });

  it("reads the session's frames back identically from the buffer, half shipped, and shipped", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const id = session.session_id;
    const frames = squatFrames(1).slice(0, 60);
    await buffer(id, frames.slice(0, 30));
    const fromBuffer = await window(id);
    expect(fromBuffer.frames).toHaveLength(30);
    await runInDurableObject(roomOf(id), (room: LiveSession) => room.flush());
    await buffer(id, frames.slice(30));
    const mixed = await window(id);
    expect(mixed.frames).toHaveLength(60);
    expect(mixed.frames.slice(0, 30)).toEqual(fromBuffer.frames);
    await runInDurableObject(roomOf(id), (room: LiveSession) => room.flush());
    expect(await buffered(id)).toBe(0);
    const shipped = await window(id);
    expect(shipped).toEqual(mixed);
    expect(shipped.frames[0].offset_ms).toBe(0);
    expect(shipped.frames[59].offset_ms).toBe(frames[59]!.timestamp - frames[0]!.timestamp);
    expect(await frameCount(id)).toBe(60);
  });

  it("completing a session ships the room's buffer first: the analysis sees every frame", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(2);
    await buffer(session.session_id, frames);
    const done = expectStatus(
      await api("POST", `/api/v1/sessions/${session.session_id}/complete`, {
        token: clinic.patientUser.token,
      }),
      200,
    );
    expect(done.body.data.pose_data.rep_count).toBe(2);
    expect(await frameCount(session.session_id)).toBe(frames.length);
    expect(await buffered(session.session_id)).toBe(0);
  });

  it("rebuilds a pipeline from D1 and then the buffer, each frame once", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(2);
    const half = Math.floor(frames.length / 2);
    await uploadFrames(clinic.patientUser.token, session.session_id, frames.slice(0, half));
    await buffer(session.session_id, frames.slice(half));
    const squat = LOWER_BODY.find((e) => e.slug === "squat")!;
    const pipeline = new FeedbackPipeline(AnalysisConfig.parse(squat.analysis), PORTRAIT);
    await runInDurableObject(roomOf(session.session_id), async (_room, state) => {
      const store = storeIn(state, session.session_id, env as unknown as Bindings, []);
      await store.restore(pipeline, clinic.workspaceId);
      expect(store.storedThrough).toBe(frames.at(-1)!.timestamp);
    });
    expect(pipeline.newest).toBe(frames.at(-1)!.timestamp);
    expect(pipeline.summaryRepCount()).toBe(2);
  });
});

describe("errors", () => {
  it("a failed R2 or D1 ship keeps every frame and retries the same chunk, stored once", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const id = session.session_id;
    const frames = squatFrames(1).slice(0, 60);
    const faults: Faults = { r2: "fail", d1: "ok" };
    await runInDurableObject(roomOf(id), async (_room, state) => {
      const store = storeIn(state, id, faulty(faults), []);
      store.add(caller(), frames.slice(0, 30) as never, PORTRAIT);
      await expect(store.flush()).rejects.toBeInstanceOf(FlushFailed);
      expect(store.nextFlushAt, "a retry is due").not.toBeNull();
      faults.r2 = "ok";
      faults.d1 = "fail";
      await expect(store.flush()).rejects.toBeInstanceOf(FlushFailed);
      store.add(caller(), frames.slice(30) as never, PORTRAIT);
      expect(store.buffering).toBe(true);
    });
    expect(await frameCount(id)).toBe(0);
    faults.d1 = "ok";
    await runInDurableObject(roomOf(id), async (_room, state) => {
      expect(await storeIn(state, id, faulty(faults), []).flush()).toBe(60);
    });
    expect(await frameCount(id)).toBe(60);
    expect(await buffered(id)).toBe(0);
    expect((await window(id)).frames.map((f: any) => f.timestamp)).toEqual(
      frames.map((f) => f.timestamp),
    );
  });

  for (const stage of ["during the R2 upload", "after D1 stored the chunk"] as const) {
    it(`a room evicted mid-flush (${stage}) loses no acknowledged frame and stores none twice`, async () => {
      const session = await createSession(clinic, { frame_size: PORTRAIT });
      const id = session.session_id;
      const frames = squatFrames(1).slice(0, 60);
      const faults: Faults =
        stage === "during the R2 upload"
          ? { r2: "hang", d1: "ok" }
          : { r2: "ok", d1: "hang-after-write" };
      const acks = await buffer(id, frames.slice(0, 50));
      expect(acks.at(-1)).toMatchObject({ type: "stored", through: frames[49]!.timestamp });
      await runInDurableObject(roomOf(id), (_room, state) => {
        void storeIn(state, id, faulty(faults), [])
          .flush()
          .catch(() => undefined);
      });
      if (stage === "after D1 stored the chunk") {
        await expect.poll(() => frameCount(id), { timeout: 5000 }).toBe(50);
      } else {
        await new Promise((r) => setTimeout(r, 50));
      }
      await expect(
        runInDurableObject(roomOf(id), (_room, state) => state.abort("evicted")),
      ).rejects.toThrow();
      // A fresh instance: the buffer is intact; more frames arrive; shipping again stores the
      // interrupted chunk as it was (a replay, not an overlap) and then the new frames, once.
      expect(await buffered(id)).toBe(5);
      await buffer(id, frames.slice(50));
      await runInDurableObject(roomOf(id), (room: LiveSession) => room.flush());
      expect(await buffered(id)).toBe(0);
      expect(await frameCount(id)).toBe(60);
      const read = await window(id);
      expect(read.frames.map((f: any) => f.timestamp)).toEqual(frames.map((f) => f.timestamp));
    });
  }

  it("tells the device when the session takes no more frames, and drops what it refuses", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(1);
    await uploadFrames(clinic.patientUser.token, session.session_id, frames.slice(0, 30));
    const done = await api("POST", `/api/v1/sessions/${session.session_id}/complete`, {
      token: clinic.patientUser.token,
    });
    expect([200, 202]).toContain(done.status);
    const sent: string[] = [];
    await runInDurableObject(roomOf(session.session_id), async (_room, state) => {
      const store = storeIn(state, session.session_id, env as unknown as Bindings, sent);
      store.add(caller(), frames.slice(30, 40) as never, PORTRAIT);
      await store.flush();
      expect(store.buffering).toBe(false);
    });
    const errors = sent.map((t) => JSON.parse(t)).filter((m) => m.type === "error");
    expect(errors).toHaveLength(1);
    expect(await frameCount(session.session_id)).toBe(30);
  });
});

describe("security", () => {
  it("ships frames a device acknowledged before its login ended, under that device's identity", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(1).slice(0, 10);
    await runInDurableObject(roomOf(session.session_id), async (_room, state) => {
      const store = storeIn(state, session.session_id, env as unknown as Bindings, []);
      store.add(
        { ...caller(), sessionId: "00000000-0000-7000-8000-000000000000" },
        frames as never,
        PORTRAIT,
      );
      await store.flush();
    });
    expect(await frameCount(session.session_id)).toBe(10);
    const audit = await env.DB.prepare(
      `select actor_id from audit_log where action = 'pose_data.uploaded' and resource_id = ?`,
    )
      .bind(session.session_id)
      .all<{ actor_id: string }>();
    expect(audit.results.map((r) => r.actor_id)).toEqual([clinic.patientUser.id]);
  });
});
