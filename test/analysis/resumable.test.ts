import { describe, expect, it } from "vitest";
import { analyzeSession, ResumableAnalysis, type PoseFrame } from "../../src/analysis";
import { DEMOS, perform } from "./performances";
import { PORTRAIT, configOf } from "./catalog";

const camera = { view: "side" as const, ...PORTRAIT };

/** Analyses `frames` in pieces of `size`, saving to text and resuming from it after each piece. */
function inPieces(slug: string, frames: PoseFrame[], size: number) {
  const config = configOf(slug);
  let state: string | null = null;
  const series: Float64Array[] = [];
  for (let i = 0; i < frames.length; i += size) {
    const a: ResumableAnalysis =
      state === null
        ? ResumableAnalysis.start(config, { frameSize: PORTRAIT })
        : ResumableAnalysis.resume(config, state);
    a.push(frames.slice(i, i + size));
    const saved = a.save();
    state = saved.state;
    series.push(saved.series);
  }
  return {
    state: state!,
    series,
    result: ResumableAnalysis.resume(config, state!, series).result(),
  };
}

describe("resumable analysis: happy", () => {
  it("saved and resumed after every piece, ends with exactly analyzeSession's result", () => {
    for (const slug of ["squat", "heel_raise", "wall_sit", "bicep_curl"]) {
      const frames = perform(DEMOS[slug]!, {
        reps: 4,
        perRep: (i) => (i === 1 ? { trunk_lean: 55 } : {}),
      }).frames(30, { camera, noisePx: 3, seed: 7, dropout: 0.02 });
      const full = analyzeSession(frames, configOf(slug), { frameSize: PORTRAIT });
      // 1 frame (inside every smoothing window), 7 (about one window), 300 (a chunk).
      for (const size of [1, 7, 300]) {
        expect(inPieces(slug, frames, size).result, `${slug} in pieces of ${size}`).toEqual(full);
      }
    }
  });

  it("round-trips its state text exactly, NaN and infinities included", () => {
    const frames = perform(DEMOS.squat!, { reps: 3 }).frames(30, { camera, noisePx: 2, seed: 1 });
    const config = configOf("squat");
    const a = ResumableAnalysis.start(config, { frameSize: PORTRAIT });
    // Stop right after the first frames: the ranges still hold ±Infinity, times NaN.
    a.push(frames.slice(0, 2));
    const early = a.save().state;
    expect(early).toContain('{"$":"Infinity"}');
    expect(early).toContain('{"$":"NaN"}');
    expect(ResumableAnalysis.resume(config, early).save().state).toBe(early);
    a.push(frames.slice(2, 200));
    const mid = a.save().state;
    expect(ResumableAnalysis.resume(config, mid).save().state).toBe(mid);
  });

  it("keeps the state small: only the series grows with the session", () => {
    const frames = perform(DEMOS.squat!, { reps: 12 }).frames(30, { camera, seed: 2 });
    const { state, series } = inPieces("squat", frames, 300);
    const seriesValues = series.reduce((n, s) => n + s.length, 0);
    // Every frame but the last ~100 ms (still in the smoothing window until the data ends).
    expect(seriesValues).toBeLessThanOrEqual(2 * frames.length);
    expect(seriesValues).toBeGreaterThan(2 * (frames.length - 8));
    expect(state.length).toBeLessThan(20_000);
  });
});

describe("resumable analysis: errors", () => {
  it("refuses a state of another version", () => {
    expect(() => ResumableAnalysis.resume(configOf("squat"), '{"v":2}')).toThrow(/version/);
  });
});
