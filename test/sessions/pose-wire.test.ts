/** The compact binary chunk body (src/modules/sessions/pose.wire.ts) beside JSON. */
import { describe, expect, it } from "vitest";
import { encodeWireChunk, POSE_CHUNK_MEDIA_TYPE } from "../../src/modules/sessions/pose.wire";
import { api, expectStatus } from "../helpers/http";
import { createSession, sessionClinic, squatFrames, type Lm } from "./helpers";

type Frame = { timestamp: number; landmarks: Lm[] };

/** Landmarks as float32 would carry them, so a JSON body and a binary body hold the same numbers. */
const asFloat32 = (frames: Frame[]): Frame[] =>
  frames.map((f) => ({
    timestamp: f.timestamp,
    landmarks: f.landmarks.map((l) => ({
      x: Math.fround(l.x),
      y: Math.fround(l.y),
      z: Math.fround(l.z),
      visibility: Math.fround(l.visibility),
    })),
  }));

const flat = (frames: Frame[]) =>
  frames.flatMap((f) => f.landmarks.flatMap((l) => [l.x, l.y, l.z, l.visibility]));

function wire(frames: Frame[], extra: { chunk_index?: number } = {}) {
  return encodeWireChunk({
    timestamps: frames.map((f) => f.timestamp),
    landmarks: flat(frames),
    frame_size: { width: 720, height: 1280 },
    ...extra,
  });
}

const postWire = (token: string, id: string, body: Uint8Array, headers = {}) =>
  api("POST", `/api/v1/sessions/${id}/data`, {
    token,
    raw: body,
    headers: { "content-type": POSE_CHUNK_MEDIA_TYPE, ...headers },
  });

const framesOf = async (token: string, id: string) =>
  expectStatus(await api("GET", `/api/v1/sessions/${id}/frames?limit=1000`, { token }), 200).body
    .data.frames;

describe("binary pose chunks", () => {
  it("store exactly what the same frames store as JSON, and analyse the same", async () => {
    const { clinic } = await sessionClinic();
    const token = clinic.patientUser.token;
    const frames = asFloat32(squatFrames({ reps: 3, period: 2, fps: 30 }));
    const viaJson = (await createSession(clinic)).session_id;
    const viaWire = (await createSession(clinic)).session_id;
    expectStatus(
      await api("POST", `/api/v1/sessions/${viaJson}/data`, {
        token,
        body: { frames, frame_size: { width: 720, height: 1280 } },
      }),
      201,
    );
    const stored = expectStatus(await postWire(token, viaWire, wire(frames)), 201).body.data;
    expect(stored).toMatchObject({ frames_received: frames.length, replayed: false });

    expect(await framesOf(clinic.physio.token, viaWire)).toEqual(
      await framesOf(clinic.physio.token, viaJson),
    );
    const analysed = await Promise.all(
      [viaJson, viaWire].map(async (id) => {
        const res = await api("POST", `/api/v1/sessions/${id}/complete`, { token });
        return expectStatus(res, 200).body.data.pose_data;
      }),
    );
    expect(analysed[1].rep_count).toBe(3);
    expect({ ...analysed[1], analyzed_at: null }).toEqual({ ...analysed[0], analyzed_at: null });
  });

  it("a retried chunk (same chunk_index) is stored once", async () => {
    const { clinic } = await sessionClinic();
    const token = clinic.patientUser.token;
    const { session_id } = await createSession(clinic);
    const body = wire(asFloat32(squatFrames({ reps: 1 })), { chunk_index: 0 });
    const first = expectStatus(await postWire(token, session_id, body), 201).body.data;
    const again = expectStatus(await postWire(token, session_id, body), 200).body.data;
    expect(again).toMatchObject({ chunk_id: first.chunk_id, replayed: true });
  });

  it("carries 1,800 frames in under the 1 MB body limit that JSON needs about four bodies for", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const frames = asFloat32(squatFrames({ reps: 20, period: 3, fps: 30 }).slice(0, 1800));
    const body = wire(frames);
    expect(body.byteLength).toBeLessThan(1024 * 1024);
    expect(JSON.stringify({ frames }).length).toBeGreaterThan(3 * 1024 * 1024);
    const stored = expectStatus(await postWire(clinic.patientUser.token, session_id, body), 201);
    expect(stored.body.data.frames_received).toBe(1800);
  });

  it("names the bad value the way the JSON check does, and stores nothing", async () => {
    const { clinic } = await sessionClinic();
    const token = clinic.patientUser.token;
    const { session_id } = await createSession(clinic);
    const frames = asFloat32(squatFrames({ reps: 1 }).slice(0, 5));
    frames[2]!.landmarks[5]!.visibility = 1.5;
    frames[3]!.landmarks[25]!.x = Number.NaN;
    frames[4]!.timestamp = frames[3]!.timestamp;
    const res = await postWire(token, session_id, wire(frames));
    expect(res.status, res.text).toBe(422);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "frames.2.landmarks.5.visibility",
        "frames.3.landmarks.25.x",
        "frames.4.timestamp",
      ]),
    );
    expect(await framesOf(clinic.physio.token, session_id)).toHaveLength(0);
  });

  it("refuses a truncated body, an unknown version and unknown flags with a 422, never a 500", async () => {
    const { clinic } = await sessionClinic();
    const token = clinic.patientUser.token;
    const { session_id } = await createSession(clinic);
    const good = wire(asFloat32(squatFrames({ reps: 1 }).slice(0, 3)));
    const truncated = good.slice(0, good.length - 4);
    const version = good.slice();
    version[0] = 9;
    const flags = good.slice();
    flags[1] = 0x80;
    for (const body of [truncated, version, flags, new Uint8Array(3), new Uint8Array(0)]) {
      const res = await postWire(token, session_id, body);
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.code).toBe("VALIDATION_ERROR");
    }
  });

  it("an Idempotency-Key reused with different binary bytes is refused, not replayed", async () => {
    const { clinic } = await sessionClinic();
    const token = clinic.patientUser.token;
    const { session_id } = await createSession(clinic);
    const frames = asFloat32(squatFrames({ reps: 1 }).slice(0, 3));
    const a = wire(frames);
    const b = a.slice();
    // The last visibility's lowest byte: 0xA4 and 0xA5 are both lone UTF-8 continuation bytes,
    // so a fingerprint over the body's text (U+FFFD for each) could not tell the bodies apart.
    const at = b.length - 4;
    expect(b[at]! & 0xc0).toBe(0x80);
    b[at] = b[at]! ^ 0x01;
    const key = { "idempotency-key": "wire-chunk-0001" };
    expectStatus(await postWire(token, session_id, a, key), 201);
    const reused = await postWire(token, session_id, b, key);
    expect(reused.status, reused.text).toBe(422);
  });
});
