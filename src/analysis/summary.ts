/** Turns the engine's state into the SessionAnalysis result (quality score, tempo, series). */
import type { Joint } from "../modules/exercise-types/exercise-types.analysis";
import { ALL_JOINTS } from "./angles";
import type { AnalysisEngine } from "./engine";
import type { Attempt } from "./reps";
import type { AngleRangeSummary, FormIssue, SessionAnalysis } from "./types";

const MAX_SERIES_POINTS = 600;
/** How much one issue of each severity takes off the form part of the score, per repetition. */
const SEVERITY_WEIGHT = { HIGH: 0.5, MEDIUM: 0.25, LOW: 0.1 } as const;

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function summarize(e: AnalysisEngine, partial: number): SessionAnalysis {
  const cfg = e.config;
  const reps = e.reps.reps;
  const isHold = cfg.repetition.type === "hold";
  const issues: FormIssue[] = [...e.form.issues, ...rangeIssues(e)];
  issues.sort((a, b) => a.timestamp - b.timestamp);
  const duration = e.framesUsed > 0 ? e.lastT - e.firstT : 0;
  const durations = reps.map((r) => r.duration_s);
  const tempo =
    !isHold && durations.length > 0
      ? {
          mean_rep_seconds: r3(durations.reduce((a, b) => a + b, 0) / durations.length),
          min_rep_seconds: Math.min(...durations),
          max_rep_seconds: Math.max(...durations),
        }
      : null;
  const holdSeconds = isHold ? r3(e.reps.longestHoldMs / 1000) : null;
  return {
    frames_total: e.framesTotal,
    frames_used: e.framesUsed,
    frames_skipped: e.framesTotal - e.framesUsed,
    duration_ms: Math.round(duration),
    sampling_rate: duration > 0 ? Math.round(((e.framesUsed - 1) / duration) * 100000) / 100 : 0,
    aspect_assumed: e.worldFrames < e.framesUsed && !e.sawFrameSize,
    angle_source: e.framesUsed > 0 && e.worldFrames * 2 >= e.framesUsed ? "world" : "image",
    angle_ranges: rangesOf(e),
    rep_count: reps.length,
    partial_reps: partial,
    reps,
    tempo,
    hold_seconds: holdSeconds,
    form_issues: issues,
    quality_score: quality(e, issues, holdSeconds),
    primary_series: downsample(e.series),
  };
}

function rangesOf(e: AnalysisEngine): Partial<Record<Joint, AngleRangeSummary>> {
  const out: Partial<Record<Joint, AngleRangeSummary>> = {};
  ALL_JOINTS.forEach((joint, j) => {
    const n = e.ranges[j * 4 + 3]!;
    if (n === 0) return;
    out[joint] = {
      min: r1(e.ranges[j * 4]!),
      max: r1(e.ranges[j * 4 + 1]!),
      avg: r1(e.ranges[j * 4 + 2]! / n),
    };
  });
  return out;
}

/** Repetitions short of the target range, and attempts that never reached the counting angle. */
function rangeIssues(e: AnalysisEngine): FormIssue[] {
  const cfg = e.config;
  const target = cfg.target_ranges[cfg.primary_joint];
  const out: FormIssue[] = [];
  if (target && cfg.repetition.type === "reps") {
    const up = cfg.repetition.direction === "up";
    for (const rep of e.reps.reps) {
      if (rep.in_target) continue;
      out.push({
        rule_id: "range_of_motion",
        type: "range_of_motion",
        message: `Repetition outside the target range of ${target.min}–${target.max}°`,
        severity: "MEDIUM",
        rep: rep.index,
        timestamp: rep.bottom_ms,
        value: up ? rep.max_angle : rep.min_angle,
      });
    }
  }
  for (const a of e.reps.attempts) out.push(incompleteRepIssue(a, e.reps.target));
  return out;
}

/**
 * A movement that left the rest position and turned back before the counting angle: reported
 * (never dropped), not counted (the catalog's repetition rule decides what counts).
 */
export function incompleteRepIssue(a: Attempt, target: number): FormIssue {
  const depth = r1(a.extreme);
  return {
    rule_id: "incomplete_rep",
    type: "range_of_motion",
    message: `Movement stopped short at ${Math.round(depth)}° (a repetition counts at ${target}°): not counted`,
    severity: "LOW",
    rep: null,
    timestamp: Math.round(a.t),
    value: depth,
    target,
  };
}

/**
 * 0.4 range of motion (share of repetitions in target; for holds, longest hold against the
 * required time) + 0.4 form (severity-weighted rule issues per repetition) + 0.2 tempo (share of
 * repetitions within the catalog's tempo). Nothing completed scores 0.
 */
function quality(e: AnalysisEngine, issues: FormIssue[], holdSeconds: number | null): number {
  const cfg = e.config;
  const reps = e.reps.reps;
  const ruleIssues = issues.filter((i) => i.type !== "range_of_motion");
  const penalty = ruleIssues.reduce((sum, i) => sum + SEVERITY_WEIGHT[i.severity], 0);
  if (cfg.repetition.type === "hold") {
    const rom = Math.min(1, (holdSeconds ?? 0) / cfg.repetition.min_hold_seconds);
    if (rom === 0) return 0;
    const form = Math.max(0, 1 - penalty / Math.max(1, reps.length));
    return r3(0.6 * rom + 0.4 * form);
  }
  if (reps.length === 0) return 0;
  const rom = reps.filter((r) => r.in_target).length / reps.length;
  const form = Math.max(0, 1 - penalty / reps.length);
  const t = cfg.tempo;
  const tempo = t
    ? reps.filter((r) => r.duration_s >= t.min_rep_seconds && r.duration_s <= t.max_rep_seconds)
        .length / reps.length
    : 1;
  return r3(0.4 * rom + 0.4 * form + 0.2 * tempo);
}

/** At most 600 points: per bucket the lowest and highest sample, so no bottom is lost. */
function downsample(flat: number[]): [number, number][] {
  const n = flat.length / 2;
  const pts: [number, number][] = [];
  if (n <= MAX_SERIES_POINTS) {
    for (let i = 0; i < n; i++) pts.push([Math.round(flat[2 * i]!), r1(flat[2 * i + 1]!)]);
    return pts;
  }
  const buckets = MAX_SERIES_POINTS / 2;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (flat[2 * i + 1]! < flat[2 * lo + 1]!) lo = i;
      if (flat[2 * i + 1]! > flat[2 * hi + 1]!) hi = i;
    }
    for (const i of lo <= hi ? [lo, hi] : [hi, lo]) {
      pts.push([Math.round(flat[2 * i]!), r1(flat[2 * i + 1]!)]);
    }
  }
  return pts;
}
