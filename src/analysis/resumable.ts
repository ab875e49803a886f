/**
 * A session analysis that can stop after any frame and resume later in another isolate: the
 * engine's state saved as text (`save().state`) and the primary series as appended pieces
 * (`save().series`, float64 pairs [t, angle] since the last resume). Resumed from its text and
 * every piece, then fed the remaining frames, it gives exactly what analyzeSession gives for all
 * frames: the same engine runs, and every number it keeps round-trips exactly (JSON writes the
 * shortest text that reads back to the same float64; NaN and ±Infinity are written as
 * `{"$":"NaN"}`, which no value of the state can look like).
 *
 * The series is kept apart because it is the only part that grows with the session (16 bytes a
 * used frame); everything else is bounded by repetitions and issues (a few kB to tens of kB).
 */
import type { AnalysisConfig } from "../modules/exercise-types/exercise-types.analysis";
import { AnalysisEngine, type EngineSnapshot } from "./engine";
import type { FrameSize, PoseFrame } from "./landmarks";
import type { AnalysisOptions, SessionAnalysis } from "./types";

const NON_FINITE = "$";

const encodeNumbers = (_key: string, value: unknown) =>
  typeof value === "number" && !Number.isFinite(value) ? { [NON_FINITE]: String(value) } : value;

const decodeNumbers = (_key: string, value: unknown) => {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const text = (value as Record<string, unknown>)[NON_FINITE];
    if (keys.length === 1 && typeof text === "string") return Number(text);
  }
  return value;
};

export class ResumableAnalysis {
  private constructor(private readonly engine: AnalysisEngine) {}

  /** A new analysis of a session's first frames. */
  static start(config: AnalysisConfig, opts: AnalysisOptions = {}) {
    return new ResumableAnalysis(new AnalysisEngine(config, opts));
  }

  /**
   * Continues from `state` (a `save().state`) with the series pieces saved so far, in order
   * (only needed for `result()`; a resume that will only be saved again may pass none).
   * @throws Error when the text is not a state of this version.
   */
  static resume(config: AnalysisConfig, state: string, series: ArrayLike<number>[] = []) {
    const snap = JSON.parse(state, decodeNumbers) as EngineSnapshot;
    if (snap?.v !== 1) throw new Error("Unknown analysis state version");
    const flat: number[] = [];
    for (const piece of series) for (let i = 0; i < piece.length; i++) flat.push(piece[i]!);
    return new ResumableAnalysis(AnalysisEngine.restore(config, snap, flat));
  }

  /** Frames in time order (frames not after the previous one are skipped, as analyzeSession does). */
  push(frames: Iterable<PoseFrame>, frameSize?: FrameSize) {
    for (const frame of frames) this.engine.push(frame, frameSize);
  }

  /** Timestamp of the last frame used (NaN before any). */
  get lastT() {
    return this.engine.lastT;
  }

  /**
   * The state as text, and the series released since the start or resume (the piece to append).
   */
  save(): { state: string; series: Float64Array } {
    return {
      state: JSON.stringify(this.engine.snapshot(), encodeNumbers),
      series: Float64Array.from(this.engine.series),
    };
  }

  /** The session's analysis as if the data ended now (analysis can continue afterwards). */
  result(): SessionAnalysis {
    return this.engine.summary();
  }
}
