import { describe, expect, it } from "vitest";
import { jointAngles, type Joint, type PoseFrame } from "../../src/analysis";
import { render, rng, STANDING, type Pose } from "./kinematics";
import { DEMOS } from "./performances";
import { PORTRAIT, SQUARE } from "./catalog";

const SAGITTAL_JOINTS: Joint[] = [
  "elbow_left",
  "elbow_right",
  "shoulder_left",
  "shoulder_right",
  "hip_left",
  "hip_right",
  "knee_left",
  "knee_right",
  "ankle_left",
  "ankle_right",
  "trunk_lean",
];

/** Random sagittal poses within human ranges (seeded). */
function randomPoses(n: number, seed: number): Pose[] {
  const r = rng(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r.next();
  return Array.from({ length: n }, () => ({
    ...STANDING,
    trunk_lean: u(0, 50),
    hip_left: u(60, 178),
    hip_right: u(60, 178),
    knee_left: u(60, 178),
    knee_right: u(60, 178),
    ankle_left: u(70, 150),
    ankle_right: u(70, 150),
    shoulder_left: u(5, 170),
    shoulder_right: u(5, 170),
    elbow_left: u(30, 175),
    elbow_right: u(30, 175),
  }));
}

function expectWithin(
  frame: PoseFrame,
  pose: Pose,
  size: { width: number; height: number } | undefined,
  tol: number,
) {
  const angles = jointAngles(frame, size);
  for (const joint of SAGITTAL_JOINTS) {
    const truth = joint === "trunk_lean" ? Math.abs(pose.trunk_lean) : pose[joint];
    expect(angles[joint], joint).toBeDefined();
    expect(Math.abs(angles[joint]! - truth), `${joint}: ${angles[joint]} vs ${truth}`).toBeLessThan(
      tol,
    );
  }
}

describe("joint angles: happy", () => {
  it("match the model within 1° from a side camera, square and portrait, image landmarks only", () => {
    for (const camera of [
      { view: "side" as const, ...SQUARE },
      { view: "side" as const, ...PORTRAIT },
    ]) {
      for (const pose of randomPoses(40, 11)) {
        expectWithin(render(pose, 0, { camera }), pose, camera, 1);
      }
    }
  });

  it("match the model within 1° from world landmarks whatever the camera", () => {
    for (const view of ["side", "front"] as const) {
      for (const pose of randomPoses(40, 12)) {
        const frame = render(pose, 0, { camera: { view, ...PORTRAIT }, world: true });
        expectWithin(frame, pose, undefined, 1);
      }
    }
  });

  it("see shoulder abduction in the frontal plane from a front camera", () => {
    const pose = { ...DEMOS.shoulder_abduction!.rest, shoulder_left: 95, shoulder_right: 60 };
    const camera = { view: "front" as const, ...PORTRAIT };
    const a = jointAngles(render(pose, 0, { camera }), camera);
    expect(a.shoulder_left).toBeCloseTo(95, 0);
    expect(a.shoulder_right).toBeCloseTo(60, 0);
  });

  it("stay within 1° on average with 2 px noise on a portrait video", () => {
    const camera = { view: "side" as const, ...PORTRAIT };
    const random = rng(5);
    const pose = { ...STANDING, ...DEMOS.squat!.work } as Pose;
    let sum = 0;
    const n = 200;
    for (let i = 0; i < n; i++) {
      const a = jointAngles(render(pose, i, { camera, noisePx: 2 }, random), camera);
      sum += a.knee_left! - pose.knee_left;
    }
    expect(Math.abs(sum / n)).toBeLessThan(1);
  });
});

describe("joint angles: errors", () => {
  it("are distorted on portrait video read as square: the frame size matters", () => {
    const pose = { ...STANDING, ...DEMOS.squat!.work } as Pose;
    const camera = { view: "side" as const, ...PORTRAIT };
    const frame = render(pose, 0, { camera });
    expect(Math.abs(jointAngles(frame, camera).knee_left! - 90)).toBeLessThan(1);
    expect(Math.abs(jointAngles(frame).knee_left! - 90)).toBeGreaterThan(5);
  });

  it("leave out joints whose landmarks are below the visibility threshold", () => {
    const frame = render(STANDING, 0, { camera: { view: "side", ...SQUARE } });
    frame.landmarks[25]!.visibility = 0.2; // left knee
    const a = jointAngles(frame, SQUARE);
    expect(a.knee_left).toBeUndefined();
    expect(a.hip_left).toBeUndefined();
    expect(a.ankle_left).toBeUndefined();
    expect(a.knee_right).toBeCloseTo(178, 0);
  });

  it("leave out joints with non-finite or missing coordinates instead of throwing", () => {
    const frame = render(STANDING, 0, { camera: { view: "side", ...SQUARE } });
    frame.landmarks[13]!.x = Number.NaN;
    (frame.landmarks as unknown[])[16] = undefined;
    const a = jointAngles(frame, SQUARE);
    expect(a.elbow_left).toBeUndefined();
    expect(a.elbow_right).toBeUndefined();
    expect(jointAngles({ timestamp: 0, landmarks: [] })).toEqual({});
  });
});

describe("joint angles: security", () => {
  it("never guess: a frame with every landmark unseen yields no angle at all", () => {
    const frame = render(STANDING, 0, {
      camera: { view: "side", ...SQUARE },
      world: true,
      dropout: 1,
    });
    expect(jointAngles(frame, SQUARE)).toEqual({});
  });
});
