import { describe, expect, it } from "vitest";
import { postureScore } from "../../src/analysis";
import { render, STANDING, type Camera, type Pose } from "./kinematics";
import { PORTRAIT } from "./catalog";

const UPRIGHT: Pose = { ...STANDING, trunk_lean: 0 };
const side: Camera = { view: "side", ...PORTRAIT };
const front: Camera = { view: "front", ...PORTRAIT };
const score = (pose: Pose, camera = side) =>
  postureScore(render(pose, 0, { camera }).landmarks, camera);

describe("posture score: happy", () => {
  it("gives an upright stance full marks from the side and from the front", () => {
    for (const camera of [side, front]) {
      const r = score(UPRIGHT, camera);
      expect(r.score).toBe(100);
      expect(r.cues).toEqual([]);
    }
  });

  it("measures a forward head from the side and costs it", () => {
    const r = score({ ...UPRIGHT, head_forward: 30 });
    expect(r.parts.head_forward.value).toBeCloseTo(30, 0);
    expect(r.parts.head_forward.penalty).toBeCloseTo(20, 0);
    expect(r.score).toBeCloseTo(80, 0);
    expect(r.cues.map((c) => c.code)).toEqual(["head_forward"]);
    expect(score({ ...UPRIGHT, head_forward: -15 }).parts.head_forward.penalty).toBe(0);
  });

  it("measures shoulder tilt, hip tilt and sideways trunk lean from the front", () => {
    const r = score({ ...UPRIGHT, shoulder_tilt: 8, hip_tilt: 6 }, front);
    expect(r.parts.shoulder_tilt.value).toBeCloseTo(8, 0);
    expect(r.parts.hip_tilt.value).toBeCloseTo(6, 0);
    expect(r.parts.trunk_lean.value).toBeCloseTo(0, 0);
    expect(r.parts.head_forward.value).toBeNull();
    expect(r.score).toBeLessThan(80);
    expect(r.cues.map((c) => c.code).sort()).toEqual(["hip_tilt", "shoulder_tilt"]);
    const lean = score({ ...UPRIGHT, trunk_side: 15 }, front);
    expect(lean.parts.trunk_lean.value).toBeCloseTo(15, 0);
    expect(lean.cues.map((c) => c.code)).toContain("trunk_lean");
  });

  it("measures forward trunk lean from the side", () => {
    const r = score({ ...UPRIGHT, trunk_lean: 20 });
    expect(r.parts.trunk_lean.value).toBeCloseTo(20, 0);
    expect(r.parts.trunk_lean.penalty).toBeCloseTo(18.8, 0);
  });
});

describe("posture score: errors", () => {
  it("reads portrait landmarks with the frame size; without it the tilt is distorted", () => {
    const lm = render({ ...UPRIGHT, shoulder_tilt: 8 }, 0, { camera: front }).landmarks;
    expect(postureScore(lm, PORTRAIT).parts.shoulder_tilt.value).toBeCloseTo(8, 0);
    expect(Math.abs(postureScore(lm).parts.shoulder_tilt.value! - 8)).toBeGreaterThan(3);
  });

  it("leaves unseen parts out (null, no penalty) and says when nothing is visible", () => {
    const lm = render(UPRIGHT, 0, { camera: side }).landmarks;
    lm[7]!.visibility = 0.1;
    lm[8]!.visibility = 0.1;
    expect(postureScore(lm, PORTRAIT).parts.head_forward).toEqual({ value: null, penalty: 0 });
    const none = postureScore(render(UPRIGHT, 0, { camera: side, dropout: 1 }).landmarks, PORTRAIT);
    expect(none.score).toBe(0);
    expect(none.cues.map((c) => c.code)).toEqual(["not_visible"]);
    expect(postureScore([]).score).toBe(0);
  });
});

describe("posture score: security", () => {
  it("does not let a single tilted part score below zero or a bad input throw", () => {
    const r = score({ ...UPRIGHT, head_forward: 80, trunk_lean: 60 });
    expect(r.score).toBeGreaterThanOrEqual(0);
    const lm = render(UPRIGHT, 0, { camera: side }).landmarks;
    lm[11]!.x = Number.POSITIVE_INFINITY;
    expect(() => postureScore(lm, { width: 0, height: -5 })).not.toThrow();
  });
});
