/**
 * The live room's flat frame check agrees with the zod schema of `POST /sessions/{id}/data` on
 * good and bad frames, and names the bad field as zod's path would.
 */
import { describe, expect, it } from "vitest";
import { checkFramesMessage } from "../../party/live-frames";
import { PoseFrameInput } from "../../src/modules/sessions/pose.schemas";
import { parsePoseChunk } from "../../src/modules/sessions/pose.validate";
import { FrameSize } from "../../src/modules/sessions/sessions.schemas";

const landmark = (i: number) => ({ x: 0.5 + i / 100, y: 0.4, z: -0.1, visibility: 0.9 });
const frame = (timestamp = 1000) => ({
  timestamp,
  landmarks: Array.from({ length: 33 }, (_, i) => landmark(i)),
});

type Mutation = [name: string, change: (f: any) => void, field: string];

const BAD: Mutation[] = [
  ["negative timestamp", (f) => (f.timestamp = -1), "frames.0.timestamp"],
  ["string timestamp", (f) => (f.timestamp = "1000"), "frames.0.timestamp"],
  ["32 landmarks", (f) => f.landmarks.pop(), "frames.0.landmarks"],
  ["landmarks not a list", (f) => (f.landmarks = {}), "frames.0.landmarks"],
  ["null landmark", (f) => (f.landmarks[4] = null), "frames.0.landmarks.4"],
  ["x too large", (f) => (f.landmarks[3].x = 101), "frames.0.landmarks.3.x"],
  ["y missing", (f) => delete f.landmarks[7].y, "frames.0.landmarks.7.y"],
  ["z a string", (f) => (f.landmarks[0].z = "0"), "frames.0.landmarks.0.z"],
  [
    "visibility above 1",
    (f) => (f.landmarks[32].visibility = 1.5),
    "frames.0.landmarks.32.visibility",
  ],
  ["lower-case type", (f) => (f.landmarks[1].type = "nose"), "frames.0.landmarks.1.type"],
  [
    "31 world landmarks",
    (f) => (f.world_landmarks = f.landmarks.slice(2)),
    "frames.0.world_landmarks",
  ],
  ["quality above 1", (f) => (f.quality_score = 2), "frames.0.quality_score"],
  ["angles not numbers", (f) => (f.angles = { knee: "90" }), "frames.0.angles"],
  ["21 form issues", (f) => (f.form_issues = Array(21).fill({})), "frames.0.form_issues"],
];

describe("happy", () => {
  it("accepts what the zod schema accepts, without copying the frames", () => {
    const f = {
      ...frame(),
      world_landmarks: frame().landmarks,
      angles: { left_knee: 92.5 },
      quality_score: 0.8,
      form_issues: [{ type: "forward_lean", message: "Chest up" }],
    };
    f.landmarks[0] = { ...landmark(0), type: "NOSE" } as never;
    expect(PoseFrameInput.safeParse(f).success).toBe(true);
    const checked = checkFramesMessage({
      type: "frames",
      frames: [f, frame(1033)],
      frame_size: { width: 720, height: 1280 },
    });
    expect(checked.ok).toBe(true);
    if (checked.ok) {
      expect(checked.value.frames[0]).toBe(f);
      expect(checked.value.frame_size).toEqual({ width: 720, height: 1280 });
    }
  });
});

describe("errors", () => {
  it.each(BAD)("refuses a frame with %s, as zod does, naming the field", (_, change, field) => {
    const f = structuredClone(frame());
    change(f);
    const zod = PoseFrameInput.safeParse(f);
    expect(zod.success, "zod refuses it too").toBe(false);
    const checked = checkFramesMessage({ type: "frames", frames: [f] });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors.map((e) => e.field)).toContain(field);
  });

  it("refuses empty and oversized batches, bad frame sizes, and caps the details at ten", () => {
    const fields = (msg: Record<string, unknown>) => {
      const checked = checkFramesMessage(msg);
      return checked.ok ? [] : checked.errors.map((e) => e.field);
    };
    expect(fields({ type: "frames", frames: [] })).toEqual(["frames"]);
    expect(fields({ type: "frames", frames: Array(61).fill(frame()) })).toEqual(["frames"]);
    expect(fields({ type: "frames", frames: [frame()], frame_size: { width: 1 } })).toEqual([
      "frame_size",
    ]);
    expect(fields({ type: "frames", frames: Array(30).fill({ timestamp: -1 }) }).length).toBe(10);
  });

  it("refuses a landmark named out of BlazePose order, as storing the chunk would", () => {
    const f = structuredClone(frame());
    (f.landmarks[25] as Record<string, unknown>).type = "LEFT_ANKLE";
    expect(() => parsePoseChunk({ frames: [f] }), "the storage verb refuses it").toThrow();
    const checked = checkFramesMessage({ type: "frames", frames: [f] });
    expect(checked.ok).toBe(false);
    if (!checked.ok)
      expect(checked.errors[0]).toMatchObject({ field: "frames.0.landmarks.25.type" });
    (f.landmarks[25] as Record<string, unknown>).type = "LEFT_KNEE";
    expect(checkFramesMessage({ type: "frames", frames: [f] }).ok).toBe(true);
  });

  it.each([
    [{ width: 720, height: 1280 }],
    [{ width: 720.5, height: 1280 }],
    [{ width: 15, height: 1280 }],
    [{ width: 720, height: 16385 }],
    [{ width: "720", height: 1280 }],
    [{ width: 720, height: 1280, extra: 1 }],
    [[720, 1280]],
    [null],
  ])("checks frame_size %j as the zod FrameSize does", (size) => {
    const zod = FrameSize.safeParse(size);
    const checked = checkFramesMessage({ type: "frames", frames: [frame()], frame_size: size });
    expect(checked.ok).toBe(zod.success);
    if (checked.ok && zod.success) expect(checked.value.frame_size).toEqual(zod.data);
  });
});

describe("security", () => {
  it("refuses NaN-like and infinite numbers that JSON cannot carry but objects can", () => {
    for (const value of [NaN, Infinity, -Infinity]) {
      const f = structuredClone(frame());
      f.landmarks[2]!.x = value;
      const checked = checkFramesMessage({ type: "frames", frames: [f] });
      expect(checked.ok, String(value)).toBe(false);
    }
  });
});
