/**
 * A movement that falls short is reported, never dropped: a synthetic squat set of known truth
 * with one shallow movement, offline (analyzeSession) and through the live analyzer; and the
 * margin that keeps standing sway out, measured again on a real recording (MoveNet keypoints of a
 * person balancing on the left leg, test/sessions/fixtures/pose_1.movenet.json).
 */
import { describe, expect, it } from "vitest";
import {
  COCO_KEYPOINTS,
  analyzeSession,
  cocoToBlazePose,
  createLiveAnalyzer,
  type PoseFrame,
} from "../../src/analysis";
import { AnalysisEngine } from "../../src/analysis/engine";
import { REST_MARGIN, STANDING_SWAY_DEG } from "../../src/analysis/reps";
import clip from "../sessions/fixtures/pose_1.movenet.json";
import { PORTRAIT, configOf } from "./catalog";
import type { Pose } from "./kinematics";
import { DEMOS, perform } from "./performances";

const FPS = 30;
const FRAME_MS = 1000 / FPS;
const SQUAT = configOf("squat");
const STANDING_KNEE = 178;

/**
 * Four squat movements from standing (knee 178°), each 1.5 s down and 1.5 s up with no pause at
 * the bottom, 0.6 s between; movement `shallow` turns back at `depth`. Returns the frames and
 * when that movement turned back (the truth).
 */
function squatSet(shallow: number, depth: number, extra: Partial<Pose> = {}) {
  const perRep = (i: number): Partial<Pose> =>
    i === shallow
      ? { knee_left: depth, knee_right: depth, hip_left: depth, hip_right: depth, ...extra }
      : {};
  const script = perform(DEMOS.squat!, { reps: 4, perRep, bottomMs: 0 });
  const frames = script.frames(FPS, { camera: { view: "side", ...PORTRAIT } });
  // Rest 800 ms, then per movement 1500 down + 0 + 1500 up + 600 pause.
  const turnedAt = 800 + shallow * 3600 + 1500;
  return { frames, turnedAt };
}

/** The recording, mapped onto BlazePose's 33 slots (the 16 points COCO lacks unseen). */
const SIZE = 576;
const recorded: PoseFrame[] = (clip as Record<string, { x: number; y: number }>[]).map((f, i) => ({
  timestamp: i * FRAME_MS,
  landmarks: cocoToBlazePose(
    COCO_KEYPOINTS.map((name) => {
      const p = f[name.toLowerCase()]!;
      return { x: p.x / SIZE, y: p.y / SIZE, z: 0, visibility: 0.9 };
    }),
  ),
}));

describe("incomplete repetitions: happy", () => {
  it("reports the third of four squats, turned back at 140°, once and at its time, and counts three", () => {
    const { frames, turnedAt } = squatSet(2, 140);
    const a = analyzeSession(frames, SQUAT, { frameSize: PORTRAIT });
    expect(a.rep_count).toBe(3);
    const incomplete = a.form_issues.filter((f) => f.rule_id === "incomplete_rep");
    expect(incomplete).toHaveLength(1);
    const issue = incomplete[0]!;
    expect(Math.abs(issue.timestamp - turnedAt)).toBeLessThanOrEqual(FRAME_MS);
    expect(Math.abs(issue.value - 140)).toBeLessThan(1.5);
    expect(issue.target).toBe(110);
    expect(issue.rep).toBeNull();
    expect(issue.message).toMatch(/stopped short at 140°.*110°/);
    // It happened between the second and third counted repetitions.
    expect(a.reps[1]!.end_ms).toBeLessThan(issue.timestamp);
    expect(a.reps[2]!.start_ms).toBeGreaterThan(issue.timestamp);
  });

  it("reports a movement that never crossed the start threshold (165°), not one within the sway margin (175°)", () => {
    const dip = squatSet(1, 165);
    const a = analyzeSession(dip.frames, SQUAT, { frameSize: PORTRAIT });
    expect(a.rep_count).toBe(3);
    const issues = a.form_issues.filter((f) => f.rule_id === "incomplete_rep");
    expect(issues).toHaveLength(1);
    expect(Math.abs(issues[0]!.timestamp - dip.turnedAt)).toBeLessThanOrEqual(FRAME_MS);
    expect(Math.abs(issues[0]!.value - 165)).toBeLessThan(1.5);

    // 3° below standing is inside REST_MARGIN: sway, not a movement.
    expect(STANDING_KNEE - 175).toBeLessThan(REST_MARGIN);
    const sway = squatSet(1, 175);
    const b = analyzeSession(sway.frames, SQUAT, { frameSize: PORTRAIT });
    expect(b.rep_count).toBe(3);
    expect(b.form_issues.filter((f) => f.rule_id === "incomplete_rep")).toEqual([]);
  });

  it("cues the shallow movement live once it is back at rest, with its time, depth and target", () => {
    const { frames, turnedAt } = squatSet(2, 140);
    const live = createLiveAnalyzer(SQUAT, { frameSize: PORTRAIT });
    const cued: { at: number; cue: Record<string, unknown> }[] = [];
    let last;
    for (const frame of frames) {
      last = live.push(frame);
      const cue = last.cues.find((c) => c.code === "incomplete_rep");
      if (cue) cued.push({ at: frame.timestamp, cue });
    }
    expect(last!.rep_count).toBe(3);
    expect(cued.length).toBeGreaterThan(0);
    // One movement: every cue names the same turning point; shown after it, not before.
    expect(new Set(cued.map((c) => c.cue.timestamp)).size).toBe(1);
    const cue = cued[0]!.cue as { timestamp: number; value: number; target: number };
    expect(Math.abs(cue.timestamp - turnedAt)).toBeLessThanOrEqual(FRAME_MS);
    expect(Math.abs(cue.value - 140)).toBeLessThan(1.5);
    expect(cue.target).toBe(110);
    expect(cued[0]!.at).toBeGreaterThan(turnedAt);
    expect(live.summary().form_issues.filter((f) => f.rule_id === "incomplete_rep")).toHaveLength(
      1,
    );
  });
});

describe("incomplete repetitions: no false positives", () => {
  it("measures the standing sway of the recording that REST_MARGIN is three times", () => {
    // The standing (left) knee, smoothed as the analysis smooths it, over the steady first 3 s.
    const engine = new AnalysisEngine(SQUAT, { frameSize: { width: SIZE, height: SIZE } });
    for (const frame of recorded) engine.push(frame);
    engine.summary();
    const steady: number[] = [];
    for (let i = 0; i < engine.series.length; i += 2) {
      if (engine.series[i]! <= 3000) steady.push(engine.series[i + 1]!);
    }
    const sway = Math.max(...steady) - Math.min(...steady);
    expect(Math.abs(sway - STANDING_SWAY_DEG)).toBeLessThan(0.1);
    expect(REST_MARGIN).toBe(Math.ceil(3 * STANDING_SWAY_DEG));
  });

  it("reports no incomplete repetition for the recorded standing sway", () => {
    const a = analyzeSession(recorded, SQUAT, { frameSize: { width: SIZE, height: SIZE } });
    expect(a.frames_used).toBe(120);
    expect(a.rep_count).toBe(0);
    expect(a.form_issues.filter((f) => f.rule_id === "incomplete_rep")).toEqual([]);
    const live = createLiveAnalyzer(SQUAT, { frameSize: { width: SIZE, height: SIZE } });
    for (const frame of recorded) {
      expect(live.push(frame).cues.map((c) => c.code)).not.toContain("incomplete_rep");
    }
  });
});
