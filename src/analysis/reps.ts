/**
 * Repetition and hold tracking on the primary joint, one smoothed sample at a time, with the
 * hysteresis of the catalog's repetition rule (see exercise-types.analysis.ts).
 *
 * Both directions run on one state machine: for an "up" exercise the angle is negated, so
 * "leaving the start zone" is always x <= start and "reaching the working zone" x < work.
 */
import type { AnalysisConfig } from "../modules/exercise-types/exercise-types.analysis";
import type { Phase, RepSummary } from "./types";

type Internal = "unknown" | "rest" | "going" | "work" | "returning";

/** Holds survive this long outside their range (noise, a brief wobble) before they end. */
export const HOLD_GRACE_MS = 250;
/**
 * The standing sway of a real recording: peak to trough of the smoothed knee angle of the
 * standing leg over the steady first 3 s of test/sessions/fixtures/pose_1.movenet.json (MoveNet
 * keypoints of a person balancing, 30 fps), 1.6°. test/analysis/incomplete.test.ts measures it
 * again from the recording; docs/pose-models.md has the figures.
 */
export const STANDING_SWAY_DEG = 1.6;
/**
 * Degrees from the rest position within which the joint counts as not yet moving: three times
 * the standing sway, rounded up (5°). A movement that goes further and turns back before the
 * counting angle is an incomplete repetition; the start of a repetition is placed by it too.
 */
export const REST_MARGIN = Math.ceil(3 * STANDING_SWAY_DEG);

const r1 = (x: number) => Math.round(x * 10) / 10;

/** A movement that left the rest position and turned back short of the counting angle. */
export type Attempt = {
  /** When it turned back (its deepest point), ms. */
  t: number;
  /** The angle there, in degrees. */
  extreme: number;
  /** When it was known to be over: back in the rest position, ms. */
  at: number;
};

export class RepTracker {
  readonly reps: RepSummary[] = [];
  /**
   * Movements that left the rest position by more than REST_MARGIN and came back short of the
   * counting angle, whether or not they crossed the start threshold.
   */
  readonly attempts: Attempt[] = [];
  /** The counting angle in the exercise's own degrees (bottom of a squat, top of a raise). */
  readonly target: number;
  private state: Internal = "unknown";
  private sign: 1 | -1;
  private start: number;
  private work: number;
  private readonly hold: Extract<AnalysisConfig["repetition"], { type: "hold" }> | null;
  private readonly targetRange: { min: number; max: number } | undefined;
  private prevT = NaN;
  private prevX = NaN;
  // The repetition (or hold) in progress.
  private repStart = NaN;
  private extremeX = Infinity;
  private extremeT = NaN;
  private minA = Infinity;
  private maxA = -Infinity;
  private lastInHold = NaN;
  // The rest position between repetitions (see stepRest).
  private restBestX = -Infinity;
  private restNearT = NaN;
  /** The rest position when the movement in progress left it (its departure is measured from it). */
  private departedFrom = -Infinity;
  // A dip inside the start zone: further than REST_MARGIN from rest, not past the start threshold.
  private dipping = false;
  private dipX = Infinity;
  private dipT = NaN;
  private returnedAt = false;
  private endX = -Infinity;
  longestHoldMs = 0;

  constructor(config: AnalysisConfig) {
    const r = config.repetition;
    this.targetRange = config.target_ranges[config.primary_joint];
    this.hold = r.type === "hold" ? r : null;
    if (r.type === "reps" && r.direction === "up") {
      this.sign = -1;
      this.start = -(r.start_angle_below ?? 0);
      this.work = -(r.top_angle_above ?? 0);
    } else {
      this.sign = 1;
      this.start = r.type === "reps" ? (r.start_angle_above ?? 180) : 180;
      this.work = r.type === "reps" ? (r.bottom_angle_below ?? 0) : 0;
    }
    this.target = this.sign * this.work;
  }

  clone(): RepTracker {
    const c = Object.create(RepTracker.prototype) as RepTracker;
    Object.assign(c, this);
    (c as { reps: RepSummary[] }).reps = this.reps.slice();
    (c as { attempts: Attempt[] }).attempts = this.attempts.slice();
    return c;
  }

  /**
   * The tracker's moving parts as plain data (the rule itself comes from the config again on
   * restore). Every field is a number, a boolean, a string or a list of plain records.
   */
  snapshot(): Record<string, unknown> {
    const { hold: _hold, targetRange: _range, target: _target, ...rest } = this;
    void _hold;
    void _range;
    void _target;
    return { ...rest, reps: this.reps.map((r) => ({ ...r })), attempts: [...this.attempts] };
  }

  static restore(config: AnalysisConfig, snap: Record<string, unknown>): RepTracker {
    const c = new RepTracker(config);
    Object.assign(c, snap);
    return c;
  }

  get count(): number {
    return this.reps.length;
  }

  /** The index a form issue at this moment belongs to, null at rest. */
  get currentRep(): number | null {
    if (this.hold) return this.state === "work" ? this.reps.length + 1 : null;
    return this.state === "going" || this.state === "work" || this.state === "returning"
      ? this.reps.length + 1
      : null;
  }

  /** Feeds one smoothed primary-joint angle. */
  step(t: number, angle: number): void {
    if (this.hold) this.stepHold(t, angle);
    else this.stepReps(t, angle);
    this.prevT = t;
    this.prevX = this.sign * angle;
  }

  /** Linear interpolation of when x crossed `level` between the previous sample and this one. */
  private crossing(t: number, x: number, level: number): number {
    if (Number.isNaN(this.prevT) || x === this.prevX) return t;
    const f = (level - this.prevX) / (x - this.prevX);
    return f >= 0 && f <= 1 ? this.prevT + f * (t - this.prevT) : t;
  }

  private track(t: number, angle: number, x: number): void {
    if (x < this.extremeX) {
      this.extremeX = x;
      this.extremeT = t;
    }
    if (angle < this.minA) this.minA = angle;
    if (angle > this.maxA) this.maxA = angle;
  }

  private begin(t: number): void {
    this.repStart = t;
    this.extremeX = Infinity;
    this.minA = Infinity;
    this.maxA = -Infinity;
  }

  /**
   * At rest, follows the rest position: the movement's real start is the last moment within
   * REST_MARGIN of it, and the last repetition's real end the first moment back within it, so
   * durations (tempo) span the whole movement, not just the part beyond the thresholds.
   */
  private stepRest(t: number, x: number): void {
    if (x > this.restBestX) {
      this.restBestX = x;
      const last = this.reps[this.reps.length - 1];
      if (last && this.returnedAt && this.endX < x - REST_MARGIN) {
        this.endX = x;
        this.setEnd(last, t);
      }
    }
    if (x >= this.restBestX - REST_MARGIN) this.restNearT = t;
    // A movement that never crossed the start threshold: it ends once back within half the margin
    // (the hysteresis keeps sway at the margin from ending and starting it again).
    if (this.dipping) {
      if (x < this.dipX) {
        this.dipX = x;
        this.dipT = t;
      }
      if (x >= this.restBestX - REST_MARGIN / 2) {
        this.dipping = false;
        this.attempts.push({ t: this.dipT, extreme: this.sign * this.dipX, at: t });
      }
    } else if (x < this.restBestX - REST_MARGIN) {
      this.dipping = true;
      this.dipX = x;
      this.dipT = t;
    }
  }

  private setEnd(rep: RepSummary, end: number): void {
    const copy = {
      ...rep,
      end_ms: Math.round(end),
      duration_s: Math.round(end - rep.start_ms) / 1000,
    };
    this.reps[this.reps.length - 1] = copy;
  }

  private enterRest(t: number, x: number): void {
    this.state = "rest";
    this.restBestX = x;
    this.restNearT = t;
    this.dipping = false;
  }

  private stepReps(t: number, angle: number): void {
    const x = this.sign * angle;
    const atRest = x > this.start;
    switch (this.state) {
      case "unknown":
        if (atRest) this.enterRest(t, x);
        return;
      case "rest":
        if (atRest) this.stepRest(t, x);
        else {
          this.returnedAt = false;
          this.departedFrom = this.restBestX;
          // A dip already under way is this movement's start: its deepest point so far counts.
          const dip = this.dipping ? { x: this.dipX, t: this.dipT } : null;
          this.dipping = false;
          this.begin(
            Number.isNaN(this.restNearT) ? this.crossing(t, x, this.start) : this.restNearT,
          );
          // The range of motion runs from the rest position, not from the threshold.
          if (Number.isFinite(this.restBestX)) {
            this.track(t, this.sign * this.restBestX, this.restBestX);
          }
          if (dip) this.track(dip.t, this.sign * dip.x, dip.x);
          this.state = "going";
          this.track(t, angle, x);
          if (x < this.work) this.state = "work";
        }
        return;
      case "going":
        this.track(t, angle, x);
        if (x < this.work) this.state = "work";
        else if (atRest) {
          if (this.extremeX < this.departedFrom - REST_MARGIN) {
            this.attempts.push({ t: this.extremeT, extreme: this.sign * this.extremeX, at: t });
          }
          this.enterRest(t, x);
        }
        return;
      case "work":
      case "returning":
        this.track(t, angle, x);
        if (atRest) {
          this.finish(this.crossing(t, x, this.start));
          this.enterRest(t, x);
          this.returnedAt = true;
          this.endX = x;
          const last = this.reps[this.reps.length - 1]!;
          if (t > last.end_ms) this.setEnd(last, t);
        } else this.state = x < this.work ? "work" : "returning";
    }
  }

  private stepHold(t: number, angle: number): void {
    const h = this.hold!;
    const inside = angle >= h.hold_angle_min && angle <= h.hold_angle_max;
    if (this.state === "work") {
      if (inside) {
        this.lastInHold = t;
        this.track(t, angle, angle);
      } else if (t - this.lastInHold > HOLD_GRACE_MS) {
        this.endHold(this.lastInHold);
      }
      return;
    }
    if (inside) {
      this.begin(t);
      this.lastInHold = t;
      this.state = "work";
      this.track(t, angle, angle);
    } else this.state = "rest";
  }

  private endHold(end: number): void {
    const ms = end - this.repStart;
    this.longestHoldMs = Math.max(this.longestHoldMs, ms);
    if (ms >= this.hold!.min_hold_seconds * 1000) this.finish(end);
    this.state = "rest";
  }

  private finish(end: number): void {
    const primaryExtreme = this.sign === 1 ? this.minA : this.maxA;
    const inTarget =
      !this.targetRange ||
      (primaryExtreme >= this.targetRange.min && primaryExtreme <= this.targetRange.max);
    this.reps.push({
      index: this.reps.length + 1,
      start_ms: Math.round(this.repStart),
      bottom_ms: Math.round(this.hold ? (this.repStart + end) / 2 : this.extremeT),
      end_ms: Math.round(end),
      duration_s: Math.round(end - this.repStart) / 1000,
      min_angle: r1(this.minA),
      max_angle: r1(this.maxA),
      range_of_motion: r1(this.maxA - this.minA),
      in_target: this.hold ? true : inTarget,
    });
  }

  /** Ends the data: a hold in progress ends here; returns 1 when a repetition is left partial. */
  close(lastT: number): number {
    if (this.hold) {
      if (this.state !== "work") return 0;
      const held = this.lastInHold - this.repStart;
      this.endHold(this.lastInHold);
      return held >= this.hold.min_hold_seconds * 1000 ? 0 : 1;
    }
    void lastT;
    if (this.state === "work" || this.state === "returning") return 1;
    if (this.state === "going" && this.extremeX < this.departedFrom - REST_MARGIN) return 1;
    return 0;
  }

  /** The live phase in the exercise's own direction. */
  get phase(): Phase {
    if (this.hold)
      return this.state === "work" ? "hold" : this.state === "unknown" ? "unknown" : "start";
    const up = this.sign === -1;
    switch (this.state) {
      case "unknown":
        return "unknown";
      case "rest":
        return "start";
      case "going":
        return up ? "up" : "down";
      case "work":
        return up ? "top" : "bottom";
      case "returning":
        return up ? "down" : "up";
    }
  }

  /** Seconds of the hold in progress (0 when not holding). */
  holdingSeconds(t: number): number {
    return this.hold && this.state === "work" ? Math.max(0, t - this.repStart) / 1000 : 0;
  }
}
