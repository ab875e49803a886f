import { describe, expect, it } from "vitest";
import { analyzeSession, createLiveAnalyzer, type LiveFeedback } from "../../src/analysis";
import { DEMOS, perform } from "./performances";
import { PORTRAIT, configOf } from "./catalog";

const camera = { view: "side" as const, ...PORTRAIT };

describe("live analyzer: happy", () => {
  it("ends with exactly the summary analyzeSession gives for the same frames", () => {
    for (const slug of ["squat", "heel_raise", "wall_sit"]) {
      const frames = perform(DEMOS[slug]!, {
        reps: 4,
        perRep: (i) => (i === 1 ? { trunk_lean: 55 } : {}),
      }).frames(30, { camera, noisePx: 3, seed: 3 });
      const live = createLiveAnalyzer(configOf(slug), { frameSize: PORTRAIT });
      for (const f of frames) live.push(f);
      expect(live.summary(), slug).toEqual(
        analyzeSession(frames, configOf(slug), { frameSize: PORTRAIT }),
      );
    }
  });

  it("counts repetitions as they complete and walks through the phases", () => {
    const frames = perform(DEMOS.squat!, { reps: 3 }).frames(30, { camera });
    const live = createLiveAnalyzer(configOf("squat"), { frameSize: PORTRAIT });
    const seen: LiveFeedback[] = frames.map((f) => live.push(f));
    const counts = [...new Set(seen.map((s) => s.rep_count))];
    expect(counts).toEqual([0, 1, 2, 3]);
    const phases = seen.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases.slice(0, 5)).toEqual(["unknown", "start", "down", "bottom", "up"]);
    expect(seen.some((s) => s.partial_rep)).toBe(true);
    expect(seen[seen.length - 1]!.primary_angle).toBeGreaterThan(170);
  });

  it("gives form cues while the fault lasts, and hold time on isometric exercises", () => {
    const frames = perform(DEMOS.squat!, {
      reps: 2,
      perRep: (i) => (i === 1 ? { trunk_lean: 60 } : {}),
    }).frames(30, { camera });
    const live = createLiveAnalyzer(configOf("squat"), { frameSize: PORTRAIT });
    const cues = frames.map((f) => live.push(f).cues.map((c) => c.code));
    const leanAt = cues.findIndex((c) => c.includes("forward_lean"));
    expect(leanAt).toBeGreaterThan(0);
    expect(cues[cues.length - 1]).toEqual([]);
    const hold = createLiveAnalyzer(configOf("wall_sit"), { frameSize: PORTRAIT });
    const holds = perform(DEMOS.wall_sit!)
      .frames(30, { camera })
      .map((f) => hold.push(f));
    expect(Math.max(...holds.map((h) => h.hold_seconds ?? 0))).toBeGreaterThan(24);
    expect(holds.some((h) => h.phase === "hold")).toBe(true);
  });

  it("can be summarised mid-session without changing the final result", () => {
    const frames = perform(DEMOS.bicep_curl!, { reps: 4 }).frames(30, { camera });
    const live = createLiveAnalyzer(configOf("bicep_curl"));
    frames.forEach((f, i) => {
      live.push(f, PORTRAIT);
      if (i === Math.floor(frames.length / 2)) expect(live.summary().rep_count).toBe(2);
    });
    expect(live.summary()).toEqual(
      analyzeSession(frames, configOf("bicep_curl"), { frameSize: PORTRAIT }),
    );
  });
});

describe("live analyzer: errors", () => {
  it("answers a cue instead of an angle when the body is not visible", () => {
    const live = createLiveAnalyzer(configOf("squat"));
    const [frame] = perform(DEMOS.squat!, { reps: 1 }).frames(30, { camera, dropout: 1 });
    const fb = live.push(frame!);
    expect(fb.primary_angle).toBeNull();
    expect(fb.cues.map((c) => c.code)).toContain("not_visible");
    expect(live.push({ timestamp: Number.NaN, landmarks: [] }).rep_count).toBe(0);
  });
});

describe("live analyzer: security", () => {
  it("ignores replayed frames: a client retry cannot add repetitions", () => {
    const frames = perform(DEMOS.squat!, { reps: 3 }).frames(30, { camera });
    const live = createLiveAnalyzer(configOf("squat"), { frameSize: PORTRAIT });
    for (const f of frames) {
      live.push(f);
      live.push(f);
    }
    for (const f of frames.slice(0, 200)) live.push(f);
    const summary = live.summary();
    expect(summary.rep_count).toBe(3);
    expect(summary.frames_used).toBe(frames.length);
    expect(summary.frames_skipped).toBe(frames.length + 200);
  });
});
