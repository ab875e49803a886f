/**
 * The streaming analysis pipeline shared by analyzeSession (all frames, then flush) and the live
 * analyzer (frame by frame): measure → time-window smoothing → repetitions/holds → form rules →
 * per-joint ranges. Both paths run this exact code, so they agree on the same frames.
 */
import type { AnalysisConfig } from "../modules/exercise-types/exercise-types.analysis";
import { ALL_JOINTS, CH, CHANNELS, aspectOf, measureFrame } from "./angles";
import { FormTracker } from "./form";
import type { FrameSize, PoseFrame } from "./landmarks";
import { RepTracker } from "./reps";
import { TimeSmoother } from "./smoother";
import { summarize } from "./summary";
import type { SessionAnalysis } from "./types";

export type EngineOptions = { frameSize?: FrameSize };

/** AnalysisEngine.snapshot(): the engine's state as plain data (version 1). */
export type EngineSnapshot = {
  v: 1;
  framesTotal: number;
  framesUsed: number;
  firstT: number;
  lastT: number;
  worldFrames: number;
  sawFrameSize: boolean;
  aspect: number;
  lastSmoothed: number | null;
  ranges: number[];
  smoother: ReturnType<TimeSmoother["snapshot"]>;
  reps: Record<string, unknown>;
  form: ReturnType<FormTracker["snapshot"]>;
};

export class AnalysisEngine {
  framesTotal = 0;
  framesUsed = 0;
  firstT = NaN;
  lastT = NaN;
  worldFrames = 0;
  sawFrameSize: boolean;
  readonly primary: number;
  smoother = new TimeSmoother(CHANNELS.length);
  reps: RepTracker;
  form: FormTracker;
  /** Per joint: min, max, sum, count of smoothed values. */
  ranges = new Float64Array(ALL_JOINTS.length * 4);
  /** Smoothed primary angle series, [t0, a0, t1, a1, …]. */
  series: number[] = [];
  lastSmoothed: number | null = null;
  private aspect: number;
  private readonly scratch = new Float64Array(CHANNELS.length);

  constructor(
    readonly config: AnalysisConfig,
    opts: EngineOptions = {},
  ) {
    this.primary = CH[config.primary_joint];
    this.aspect = aspectOf(opts.frameSize);
    this.sawFrameSize = this.aspect !== 1 || !!opts.frameSize;
    this.reps = new RepTracker(config);
    this.form = new FormTracker(config.form_rules);
    for (let j = 0; j < ALL_JOINTS.length; j++) {
      this.ranges[j * 4] = Infinity;
      this.ranges[j * 4 + 1] = -Infinity;
    }
  }

  /**
   * Adds one frame. Returns false when it is skipped: malformed, not after the previous frame,
   * or the primary joint's landmarks below the visibility threshold.
   */
  push(frame: PoseFrame, frameSize?: FrameSize): boolean {
    this.framesTotal++;
    if (frameSize) {
      this.aspect = aspectOf(frameSize);
      this.sawFrameSize = true;
    }
    const t = frame?.timestamp;
    if (!Number.isFinite(t) || !(t > this.lastT || Number.isNaN(this.lastT))) return false;
    if (!Array.isArray(frame.landmarks) || frame.landmarks.length < 33) return false;
    const source = measureFrame(frame, this.aspect, this.scratch);
    if (Number.isNaN(this.scratch[this.primary]!)) return false;
    if (source === "world") this.worldFrames++;
    this.framesUsed++;
    if (Number.isNaN(this.firstT)) this.firstT = t;
    this.lastT = t;
    this.smoother.push(t, this.scratch.slice(), this.onSmoothed);
    return true;
  }

  private readonly onSmoothed = (t: number, ch: Float64Array): void => this.handle(t, ch);

  /** Everything about one released (smoothed) frame. */
  private handle(t: number, ch: Float64Array): void {
    const angle = ch[this.primary]!;
    const attempts = this.reps.attempts.length;
    this.reps.step(t, angle);
    this.form.step(t, ch, this.reps.currentRep);
    // An attempt that was not counted is no repetition: its issues move to "between repetitions".
    if (this.reps.attempts.length > attempts) this.form.forgetRep(this.reps.count + 1);
    for (let j = 0; j < ALL_JOINTS.length; j++) {
      const v = ch[j]!;
      if (Number.isNaN(v)) continue;
      const r = j * 4;
      if (v < this.ranges[r]!) this.ranges[r] = v;
      if (v > this.ranges[r + 1]!) this.ranges[r + 1] = v;
      this.ranges[r + 2]! += v;
      this.ranges[r + 3]! += 1;
    }
    this.series.push(t, angle);
    this.lastSmoothed = angle;
  }

  /**
   * Everything the engine has learned except the primary series (which only grows, so callers
   * keep it in appended pieces: `series` since the last snapshot is the new piece). Plain data;
   * numbers may be NaN or ±Infinity (analysis/snapshot.ts encodes them).
   */
  snapshot(): EngineSnapshot {
    return {
      v: 1,
      framesTotal: this.framesTotal,
      framesUsed: this.framesUsed,
      firstT: this.firstT,
      lastT: this.lastT,
      worldFrames: this.worldFrames,
      sawFrameSize: this.sawFrameSize,
      aspect: this.aspect,
      lastSmoothed: this.lastSmoothed,
      ranges: Array.from(this.ranges),
      smoother: this.smoother.snapshot(),
      reps: this.reps.snapshot(),
      form: this.form.snapshot(),
    };
  }

  /** An engine that continues exactly where `snap` was taken, its series set to `series`. */
  static restore(config: AnalysisConfig, snap: EngineSnapshot, series: number[] = []) {
    const e = new AnalysisEngine(config);
    e.framesTotal = snap.framesTotal;
    e.framesUsed = snap.framesUsed;
    e.firstT = snap.firstT;
    e.lastT = snap.lastT;
    e.worldFrames = snap.worldFrames;
    e.sawFrameSize = snap.sawFrameSize;
    e.aspect = snap.aspect;
    e.lastSmoothed = snap.lastSmoothed;
    e.ranges = Float64Array.from(snap.ranges);
    e.smoother = TimeSmoother.restore(CHANNELS.length, snap.smoother);
    e.reps = RepTracker.restore(config, snap.reps);
    e.form = FormTracker.restore(config.form_rules, snap.form);
    e.series = series;
    return e;
  }

  /** The result so far, as if the data ended now; the engine itself can keep going. */
  summary(): SessionAnalysis {
    const smoother = this.smoother.clone();
    const reps = this.reps.clone();
    const form = this.form.clone();
    const view = Object.create(this) as AnalysisEngine;
    view.reps = reps;
    view.form = form;
    view.ranges = this.ranges.slice();
    view.series = this.series.slice();
    smoother.flush((t, ch) => view.handle(t, ch));
    form.closeAll();
    const partial = reps.close(this.lastT);
    return summarize(view, partial);
  }
}
