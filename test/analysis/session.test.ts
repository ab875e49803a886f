import { describe, expect, it } from "vitest";
import { analyzeSession, type PoseFrame } from "../../src/analysis";
import { DEMOS, perform } from "./performances";
import { PORTRAIT, SQUARE, configOf } from "./catalog";

const REP_EXERCISES = Object.keys(DEMOS).filter((slug) => !DEMOS[slug]!.holdSeconds);
const cam = (slug: string, size = PORTRAIT) => ({ view: DEMOS[slug]!.view, ...size });

function run(slug: string, frames: PoseFrame[], size = PORTRAIT) {
  return analyzeSession(frames, configOf(slug), { frameSize: size });
}

describe("session analysis: happy", () => {
  it("counts repetitions exactly on clean data, square and portrait", () => {
    for (const slug of REP_EXERCISES) {
      for (const size of [SQUARE, PORTRAIT]) {
        const frames = perform(DEMOS[slug]!, { reps: 5 }).frames(30, { camera: cam(slug, size) });
        const a = run(slug, frames, size);
        expect(a.rep_count, slug).toBe(5);
        expect(a.partial_reps, slug).toBe(0);
        expect(a.aspect_assumed).toBe(false);
        expect(a.angle_source).toBe("image");
        expect(a.quality_score, slug).toBeGreaterThan(0.9);
      }
    }
  });

  it("counts repetitions within one on noisy data with jitter and visibility dropouts", () => {
    for (const [i, slug] of REP_EXERCISES.entries()) {
      const frames = perform(DEMOS[slug]!, { reps: 6 }).frames(
        30,
        { camera: cam(slug), noisePx: 5, dropout: 0.05, seed: 100 + i, world: i % 2 === 0 },
        8,
      );
      const a = run(slug, frames);
      expect(Math.abs(a.rep_count - 6), slug).toBeLessThanOrEqual(1);
      expect(a.frames_skipped, slug).toBeGreaterThan(0);
      expect(a.frames_used + a.frames_skipped).toBe(frames.length);
    }
  });

  it("reports range of motion, rep timing and tempo that match the performance", () => {
    const frames = perform(DEMOS.squat!, { reps: 4 }).frames(30, { camera: cam("squat") });
    const a = run("squat", frames);
    expect(a.angle_ranges.knee_left!.min).toBeCloseTo(90, 0);
    expect(a.angle_ranges.knee_left!.max).toBeCloseTo(178, 0);
    expect(a.angle_ranges.trunk_lean!.max).toBeCloseTo(35, 0);
    // Each repetition: 1.5 s down, 0.2 s at the bottom, 1.5 s up, from a 3.8 s cycle.
    for (const [i, rep] of a.reps.entries()) {
      expect(rep.index).toBe(i + 1);
      expect(rep.min_angle).toBeCloseTo(90, 0);
      expect(rep.range_of_motion).toBeGreaterThan(80);
      expect(rep.bottom_ms).toBeGreaterThan(800 + i * 3800 + 1400);
      expect(rep.bottom_ms).toBeLessThan(800 + i * 3800 + 1800);
      expect(rep.in_target).toBe(true);
    }
    expect(a.tempo!.mean_rep_seconds).toBeGreaterThan(2.5);
    expect(a.tempo!.mean_rep_seconds).toBeLessThan(3.3);
    expect(a.sampling_rate).toBeCloseTo(30, 0);
  });

  it("reports a last repetition in progress as partial, not counted", () => {
    const frames = perform(DEMOS.bicep_curl!, { reps: 3, partial: true }).frames(30, {
      camera: cam("bicep_curl"),
    });
    const a = run("bicep_curl", frames);
    expect(a.rep_count).toBe(3);
    expect(a.partial_reps).toBe(1);
  });

  it("times an isometric hold and counts it once it lasts the catalog's minimum", () => {
    const frames = perform(DEMOS.wall_sit!).frames(30, { camera: cam("wall_sit") });
    const a = run("wall_sit", frames);
    expect(a.hold_seconds).toBeGreaterThanOrEqual(25);
    expect(a.hold_seconds).toBeLessThan(28);
    expect(a.rep_count).toBe(1);
    expect(a.tempo).toBeNull();
    const short = perform({ ...DEMOS.wall_sit!, holdSeconds: 10 }).frames(30, {
      camera: cam("wall_sit"),
    });
    const b = run("wall_sit", short);
    expect(b.hold_seconds).toBeGreaterThanOrEqual(10);
    expect(b.hold_seconds).toBeLessThan(13);
    expect(b.rep_count).toBe(0);
    expect(b.quality_score).toBeLessThan(a.quality_score);
  });

  it("keeps a repetition's bottom at 5 fps where a 3-frame average would flatten it", () => {
    const script = perform(DEMOS.squat!, {
      reps: 3,
      downMs: 1400,
      upMs: 1400,
      bottomMs: 0,
      pauseMs: 600,
    });
    const frames = script.frames(5, { camera: cam("squat") });
    const a = run("squat", frames);
    expect(a.rep_count).toBe(3);
    for (const rep of a.reps) expect(rep.min_angle).toBeLessThan(90.5);
    // The same data through a naive 3-sample moving average loses degrees at the bottom.
    const raw = frames.map((f) => script.poseAt(f.timestamp).knee_left);
    const naive = raw.map(
      (_, i) => (raw[Math.max(0, i - 1)]! + raw[i]! + raw[Math.min(raw.length - 1, i + 1)]!) / 3,
    );
    expect(Math.min(...naive)).toBeGreaterThan(92);
  });

  it("downsamples the primary series to 600 points without losing the bottoms", () => {
    const frames = perform(DEMOS.squat!, { reps: 40 }).frames(30, { camera: cam("squat") });
    const a = run("squat", frames);
    expect(a.rep_count).toBe(40);
    expect(a.primary_series.length).toBeLessThanOrEqual(600);
    expect(Math.min(...a.primary_series.map((p) => p[1]))).toBeCloseTo(90, 0);
  });
});

describe("session analysis: form rules", () => {
  it("finds a too-deep squat at the repetition where it happens", () => {
    const frames = perform(DEMOS.squat!, {
      reps: 5,
      perRep: (i) => (i === 1 ? { knee_left: 62, knee_right: 62 } : {}),
    }).frames(30, { camera: cam("squat") });
    const a = run("squat", frames);
    expect(a.rep_count).toBe(5);
    const deep = a.form_issues.filter((f) => f.rule_id === "too_deep");
    expect(deep).toHaveLength(1);
    expect(deep[0]!.rep).toBe(2);
    expect(deep[0]!.value).toBeCloseTo(62, 0);
    expect(deep[0]!.timestamp).toBeGreaterThanOrEqual(a.reps[1]!.start_ms);
    expect(deep[0]!.timestamp).toBeLessThanOrEqual(a.reps[1]!.end_ms);
    expect(a.quality_score).toBeLessThan(1);
  });

  it("finds a knee valgus collapse at the right repetition (front camera, world landmarks)", () => {
    const frames = perform(DEMOS.squat!, {
      reps: 5,
      perRep: (i) => (i === 3 ? { valgus_left: 30 } : {}),
    }).frames(30, {
      camera: { view: "front", ...PORTRAIT },
      world: true,
      noisePx: 1,
    });
    const a = run("squat", frames);
    expect(a.angle_source).toBe("world");
    expect(a.rep_count).toBe(5);
    const valgus = a.form_issues.filter((f) => f.type === "knee_valgus");
    expect(valgus.map((v) => v.rep)).toEqual([4]);
    expect(valgus[0]!.value).toBeGreaterThan(10);
    expect(valgus[0]!.severity).toBe("HIGH");
  });

  it("marks a shallow repetition short of the target range at its index", () => {
    const frames = perform(DEMOS.shoulder_flexion!, {
      reps: 5,
      perRep: (i) => (i === 2 ? { shoulder_left: 130, shoulder_right: 130 } : {}),
    }).frames(30, { camera: cam("shoulder_flexion") });
    const a = run("shoulder_flexion", frames);
    expect(a.rep_count).toBe(5);
    expect(a.reps.map((r) => r.in_target)).toEqual([true, true, false, true, true]);
    const rom = a.form_issues.filter((f) => f.type === "range_of_motion");
    expect(rom.map((f) => f.rep)).toEqual([3]);
    expect(rom[0]!.value).toBeCloseTo(130, 0);
  });

  it("reports an attempt that never reached the counting angle, without counting it", () => {
    const frames = perform(DEMOS.squat!, {
      reps: 4,
      perRep: (i) => (i === 1 ? { knee_left: 125, knee_right: 125, trunk_lean: 55 } : {}),
    }).frames(30, { camera: cam("squat") });
    const a = run("squat", frames);
    expect(a.rep_count).toBe(3);
    const incomplete = a.form_issues.filter((f) => f.rule_id === "incomplete_rep");
    expect(incomplete).toHaveLength(1);
    expect(incomplete[0]!.value).toBeCloseTo(125, 0);
    // A fault during the uncounted attempt is not pinned on the next real repetition.
    const lean = a.form_issues.filter((f) => f.rule_id === "forward_lean");
    expect(lean.map((f) => f.rep)).toEqual([null]);
  });

  it("flags forward lean and asymmetry with their repetitions", () => {
    const frames = perform(DEMOS.squat!, {
      reps: 4,
      perRep: (i) => (i === 0 ? { trunk_lean: 55 } : i === 2 ? { knee_right: 115 } : {}),
    }).frames(30, { camera: cam("squat") });
    const a = run("squat", frames);
    expect(a.form_issues.filter((f) => f.rule_id === "forward_lean").map((f) => f.rep)).toEqual([
      1,
    ]);
    expect(a.form_issues.filter((f) => f.rule_id === "uneven_weight").map((f) => f.rep)).toEqual([
      3,
    ]);
  });
});

describe("session analysis: errors", () => {
  it("analyses nothing into zeros instead of failing", () => {
    const a = analyzeSession([], configOf("squat"));
    expect(a.frames_total).toBe(0);
    expect(a.rep_count).toBe(0);
    expect(a.quality_score).toBe(0);
    expect(a.primary_series).toEqual([]);
  });

  it("skips frames out of time order, malformed or unseen, and says so", () => {
    const frames = perform(DEMOS.squat!, { reps: 2 }).frames(30, { camera: cam("squat") });
    const bad = [
      ...frames.slice(0, 10),
      { ...frames[5]! },
      { timestamp: Number.NaN, landmarks: frames[11]!.landmarks },
      { timestamp: frames[11]!.timestamp, landmarks: [] },
      ...frames.slice(12),
    ];
    const a = run("squat", bad);
    expect(a.frames_total).toBe(bad.length);
    expect(a.frames_skipped).toBe(3);
    expect(a.rep_count).toBe(2);
  });

  it("says when portrait landmarks had to be read as square", () => {
    const frames = perform(DEMOS.squat!, { reps: 2 }).frames(30, { camera: cam("squat") });
    expect(analyzeSession(frames, configOf("squat")).aspect_assumed).toBe(true);
    expect(run("squat", frames).aspect_assumed).toBe(false);
  });
});

describe("session analysis: security", () => {
  it("never counts repetitions from frames whose primary joint is unseen", () => {
    const frames = perform(DEMOS.squat!, { reps: 3 }).frames(30, {
      camera: cam("squat"),
      dropout: 1,
    });
    const a = run("squat", frames);
    expect(a.frames_used).toBe(0);
    expect(a.rep_count).toBe(0);
    expect(a.angle_ranges).toEqual({});
  });
});
