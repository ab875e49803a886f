/** Pose data: strict validation, idempotent chunks, packed storage, time windows, 18,000 frames. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import {
  createSession,
  figure,
  rawRows,
  sessionClinic,
  squatFrames,
  uploadFrames,
} from "./helpers";

const T0 = 1_706_630_400_000;
const frame = (i: number, extra: Record<string, unknown> = {}) => ({
  timestamp: T0 + i * 33,
  landmarks: figure(170),
  ...extra,
});

const post = (token: string, id: string, body: unknown) =>
  api("POST", `/api/v1/sessions/${id}/data`, { token, body });

describe("happy", () => {
  it("stores a chunk once: a retry answers the stored result", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const body = {
      frames: [0, 1, 2].map((i) =>
        frame(i, { angles: { knee_left: 12 }, quality_score: 0.5, form_issues: [{ type: "X" }] }),
      ),
      frame_size: { width: 720, height: 1280 },
      summary_statistics: { total_frames: 3, average_quality: 0.5 },
    };
    const first = expectStatus(await post(clinic.patientUser.token, session_id, body), 201).body
      .data;
    expect(first).toMatchObject({
      frames_received: 3,
      total_frames: 3,
      status: "recording",
      replayed: false,
    });
    const again = await post(clinic.patientUser.token, session_id, body);
    expect(expectStatus(again, 200).body.data).toMatchObject({
      chunk_id: first.chunk_id,
      replayed: true,
    });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await rawRows("session_pose_chunks", "session_id", session_id)).toHaveLength(1);
    const [session] = await rawRows("exercise_sessions", "id", session_id);
    expect(session).toMatchObject({
      frame_count: 3,
      chunk_count: 1,
      frame_width: 720,
      frame_height: 1280,
    });

    // The client's own angles are kept (not trusted): they come back under `client`.
    const window = expectStatus(
      await api("GET", `/api/v1/sessions/${session_id}/frames`, { token: clinic.physio.token }),
      200,
    ).body.data;
    expect(window.frames).toHaveLength(3);
    expect(window.frames[0].client.angles.knee_left).toBe(12);
    expect(window.frames[0].landmarks[25]).toMatchObject({ type: "LEFT_KNEE" });
    expect(window.frames[1].offset_ms).toBe(33);
  });

  it("round-trips 18,000 frames (10 min at 30 fps) packed, never a row per frame", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const frames = squatFrames({ reps: 200, period: 3, fps: 30 }).slice(0, 18_000);
    expect(frames).toHaveLength(18_000);
    await uploadFrames(clinic.patientUser.token, session_id, frames, 300);
    const chunks = await rawRows("session_pose_chunks", "session_id", session_id);
    expect(chunks).toHaveLength(60);
    const [session] = await rawRows("exercise_sessions", "id", session_id);
    expect(session).toMatchObject({ frame_count: 18_000, chunk_count: 60 });
    // Objects are sealed: no landmark values in the clear.
    const object = await env.MEDIA.get(String(chunks[0]!.object_key));
    expect(await object!.text()).not.toContain("0.99");

    const window = expectStatus(
      await api("GET", `/api/v1/sessions/${session_id}/frames?from_ms=300000&to_ms=301000`, {
        token: clinic.physio.token,
      }),
      200,
    ).body.data;
    expect(window.frames.length).toBe(31);
    expect(window.frames[0].timestamp).toBe(frames[9000]!.timestamp);
    expect(window.frames[0].landmarks).toEqual(
      frames[9000]!.landmarks.map((l) => ({ ...l, type: expect.any(String) })),
    );
    const page = expectStatus(
      await api("GET", `/api/v1/sessions/${session_id}/frames?limit=100`, {
        token: clinic.physio.token,
      }),
      200,
    ).body.data;
    expect(page.frames).toHaveLength(100);
    expect(page.next_from_ms).toBe(page.frames[99].offset_ms + 33);
  }, 120_000);
});

describe("errors", () => {
  it("names bad frames: landmark count, visibility, non-finite, timestamps, order", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const token = clinic.patientUser.token;
    const short = await post(token, session_id, {
      frames: [{ timestamp: T0, landmarks: figure().slice(0, 32) }],
    });
    expect(expectStatus(short, 422).body.error.details[0].field).toBe("frames.0.landmarks");
    const lm = figure();
    lm[3] = { ...lm[3]!, visibility: 1.5 };
    const vis = await post(token, session_id, { frames: [{ timestamp: T0, landmarks: lm }] });
    expect(expectStatus(vis, 422).body.error.details[0].field).toBe(
      "frames.0.landmarks.3.visibility",
    );
    const nonFinite = await api("POST", `/api/v1/sessions/${session_id}/data`, {
      token,
      headers: { "content-type": "application/json" },
      raw: JSON.stringify({ frames: [{ timestamp: T0, landmarks: figure() }] }).replace(
        /"x":[-0-9.e]+/,
        '"x":1e999',
      ),
    });
    expectStatus(nonFinite, 422);
    const backwards = await post(token, session_id, { frames: [frame(2), frame(1)] });
    expect(expectStatus(backwards, 422).body.error.details[0].field).toBe("frames.1.timestamp");
    const named = figure().map((l, i) => ({ ...l, type: i === 25 ? "RIGHT_KNEE" : undefined }));
    const order = await post(token, session_id, { frames: [{ timestamp: T0, landmarks: named }] });
    expect(expectStatus(order, 422).body.error.details[0].field).toBe("frames.0.landmarks.25.type");
    const world = await post(token, session_id, {
      frames: [{ timestamp: T0, landmarks: figure(), world_landmarks: figure().slice(1) }],
    });
    expect(expectStatus(world, 422).body.error.details[0].field).toBe("frames.0.world_landmarks");
    expect(await rawRows("session_pose_chunks", "session_id", session_id)).toHaveLength(0);
  });

  it("answers 409 to overlapping chunks and a changed chunk at the same start", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const token = clinic.patientUser.token;
    expectStatus(await post(token, session_id, { frames: [frame(0), frame(1), frame(2)] }), 201);
    expectStatus(await post(token, session_id, { frames: [frame(0), frame(1)] }), 409);
    expectStatus(await post(token, session_id, { frames: [frame(2), frame(3)] }), 409);
    expectStatus(await post(token, session_id, { frames: [frame(3), frame(4)] }), 201);
  });

  it("refuses a frame size different from the session's and frames after completion", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic, {
      frame_size: { width: 720, height: 1280 },
    });
    const token = clinic.patientUser.token;
    const size = await post(token, session_id, {
      frames: [frame(0)],
      frame_size: { width: 1280, height: 720 },
    });
    expect(expectStatus(size, 422).body.error.details[0].field).toBe("frame_size");
    await uploadFrames(token, session_id, squatFrames({ reps: 2 }), 100);
    expectStatus(await api("POST", `/api/v1/sessions/${session_id}/complete`, { token }), 200);
    const late = await post(token, session_id, {
      frames: [{ timestamp: T0 + 10_000_000, landmarks: figure() }],
    });
    expectStatus(late, 409);
  });
});

describe("security", () => {
  it("keeps other patients, family and other workspaces out of pose data", async () => {
    const { clinic } = await sessionClinic();
    const { clinic: other } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const body = { frames: [frame(0)] };
    expectStatus(await post(clinic.otherPatientUser.token, session_id, body), 404);
    expectStatus(await post(clinic.family.token, session_id, body), 403);
    expectStatus(await post(other.patientUser.token, session_id, body), 404);
    expectStatus(await post(clinic.nurse.token, session_id, body), 404);
    expect(await rawRows("session_pose_chunks", "session_id", session_id)).toHaveLength(0);
  });
});
