/**
 * Real recorded landmarks (not our kinematic model) through the whole API: a 4 s, 30 fps clip of
 * a person balancing, as a pose model gave it (fixtures/README.md), and MediaPipe's reference
 * frame with world landmarks (test/pose/fixtures). The checks compare the server's analysis with
 * angles computed here directly from the recording, with no constant fitted to it.
 */
import { describe, expect, it } from "vitest";
import { BLAZEPOSE_LANDMARKS } from "../../src/analysis/landmarks";
import { api, expectStatus } from "../helpers/http";
import reference from "../pose/fixtures/pose.expected.json";
import clip from "./fixtures/pose_1.movenet.json";
import { createSession, sessionClinic, uploadFrames } from "./helpers";

type Point = { x: number; y: number };
const SIZE = 576;
const T0 = 1_706_630_400_000;

/** COCO keypoint → BlazePose index (the rest are unseen: visibility 0, never guessed). */
const COCO_TO_BLAZEPOSE: Record<string, number> = Object.fromEntries(
  BLAZEPOSE_LANDMARKS.map((name, i) => [name.toLowerCase(), i]).filter(([name]) =>
    Object.keys((clip as Record<string, Point>[])[0]!).includes(name as string),
  ),
);

const frames = (clip as Record<string, Point>[]).map((f, i) => {
  const landmarks = BLAZEPOSE_LANDMARKS.map(() => ({ x: 0.5, y: 0.5, z: 0, visibility: 0 }));
  for (const [name, p] of Object.entries(f)) {
    landmarks[COCO_TO_BLAZEPOSE[name]!] = { x: p.x / SIZE, y: p.y / SIZE, z: 0, visibility: 0.9 };
  }
  return { timestamp: T0 + (i * 1000) / 30, landmarks };
});

/** The angle at b (degrees) in pixels, straight from the recording. */
function angle(a: Point, b: Point, c: Point) {
  const ux = a.x - b.x;
  const uy = a.y - b.y;
  const vx = c.x - b.x;
  const vy = c.y - b.y;
  const cos = (ux * vx + uy * vy) / (Math.hypot(ux, uy) * Math.hypot(vx, vy));
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
}

const kneeAngles = (side: "left" | "right") =>
  (clip as Record<string, Point>[]).map((f) =>
    angle(f[`${side}_hip`]!, f[`${side}_knee`]!, f[`${side}_ankle`]!),
  );

async function analyse(body: Record<string, unknown>, chunks: unknown[], size: number) {
  const { clinic } = await sessionClinic();
  const token = clinic.patientUser.token;
  const { session_id } = await createSession(clinic, body);
  await uploadFrames(token, session_id, chunks, size);
  const done = await api("POST", `/api/v1/sessions/${session_id}/complete`, { token });
  expect(expectStatus(done, 200).body.data.status).toBe("review_pending");
  const detail = await api("GET", `/api/v1/sessions/${session_id}`, { token: clinic.physio.token });
  return expectStatus(detail, 200).body.data.pose_data;
}

describe("happy", () => {
  it("analyses a real recorded clip: knee ranges match the recording, no squat counted", async () => {
    const pose = await analyse({ frame_size: { width: SIZE, height: SIZE } }, frames, 50);
    expect(pose.frame_count).toBe(120);
    expect(pose.aspect_assumed).toBe(false);
    for (const side of ["left", "right"] as const) {
      const raw = kneeAngles(side);
      const range = pose.angle_ranges[`knee_${side}`];
      expect(range, `knee_${side}`).toBeDefined();
      // Smoothing may trim single-frame extremes, never move the range far from the recording.
      expect(range.min).toBeGreaterThanOrEqual(Math.min(...raw) - 3);
      expect(range.max).toBeLessThanOrEqual(Math.max(...raw) + 3);
      expect(range.max).toBeGreaterThanOrEqual(Math.max(...raw) - 8);
    }
    // Standing on straight legs (knees above 160° throughout) is not a squat repetition.
    expect(pose.rep_count).toBe(0);
    expect(pose.quality_score).toBeGreaterThanOrEqual(0);
    expect(pose.quality_score).toBeLessThanOrEqual(1);
  });

  it("analyses MediaPipe's reference frame with world landmarks in a landscape image", async () => {
    const { width, height } = reference;
    const frame = (i: number) => ({
      timestamp: T0 + i * 33,
      landmarks: reference.landmarks.map((l) => ({
        x: l.x / width,
        y: l.y / height,
        z: 0,
        visibility: 0.95,
      })),
      world_landmarks: reference.world_landmarks.map((l) => ({ ...l, visibility: 0.95 })),
    });
    const pose = await analyse(
      { frame_size: { width, height } },
      Array.from({ length: 30 }, (_, i) => frame(i)),
      30,
    );
    expect(pose.frame_count).toBe(30);
    expect(pose.aspect_assumed).toBe(false);
    const knee = pose.angle_ranges.knee_left;
    // A held pose: one angle, whatever its value, with no spread between frames.
    expect(knee.max - knee.min).toBeLessThan(0.5);
    expect(knee.min).toBeGreaterThan(0);
    expect(knee.max).toBeLessThanOrEqual(180);
    expect(pose.rep_count).toBe(0);
  });
});
