/**
 * Motion prediction: which catalog exercise do these frames show? Each candidate's analysis
 * config is read as a generative description of the movement, and the frames are scored by how
 * well that description explains them (a log-likelihood), nothing tuned to particular data:
 * - structure: the candidate's own repetition rule (hysteresis on its primary joint) must find
 *   repetitions or a hold, starting and ending in its start zone, at the catalog's tempo;
 * - working position: at each repetition's working frames, every joint is scored against the
 *   candidate's target range (uniform inside, Gaussian tails outside) and joints it leaves free
 *   against a flat 0–180° density, so a config that predicts more, correctly, wins;
 * - form rules: frames outside the candidate's form limits count against it.
 * A config with a symmetry rule describes a two-sided exercise: a target given for one side
 * applies to the other side too. Scores become probabilities with a softmax.
 */
import type { AnalysisConfig, Joint } from "../modules/exercise-types/exercise-types.analysis";
import { ALL_JOINTS, CH, CHANNELS, aspectOf, measureFrame } from "./angles";
import { ruleValue } from "./form";
import type { FrameSize, PoseFrame } from "./landmarks";
import { RepTracker } from "./reps";
import { TimeSmoother } from "./smoother";

export type MotionCandidate = { slug: string; name: string; config: AnalysisConfig };
export type MotionPrediction = {
  predicted_motion: string;
  confidence_score: number;
  ranking: { slug: string; score: number }[];
  model_name: string;
};

export const MOTION_MODEL_NAME = "rehab-edge/config-likelihood-v1";

/** Spread of a joint around its target range, degrees. */
const SIGMA = 10;
const FLAT = -Math.log(180);
/** Log-penalties for structural misfits (in the same units as one joint's log-density). */
const NO_REPS = 12;
const NOT_AT_REST = 2;
const OFF_TEMPO = 3;
const FORM = 2;

type Series = { t: number[]; ch: Float64Array[] };

/**
 * Ranks the candidates for the frames (at least one candidate). An empty or unseen recording
 * gives every candidate the same score.
 * @param opts.frameSize pixels of the video the normalised landmarks refer to
 */
export function classifyMotion(
  frames: PoseFrame[],
  candidates: MotionCandidate[],
  opts: { frameSize?: FrameSize } = {},
): MotionPrediction {
  const series = smoothedSeries(frames, aspectOf(opts.frameSize));
  const scored = candidates.map((c) => ({
    slug: c.slug,
    logScore: scoreCandidate(series, c.config),
  }));
  const top = Math.max(...scored.map((s) => s.logScore));
  const weights = scored.map((s) => Math.exp(s.logScore - top));
  const total = weights.reduce((a, b) => a + b, 0);
  const ranking = scored
    .map((s, i) => ({ slug: s.slug, score: Math.round((weights[i]! / total) * 1000) / 1000 }))
    .sort((a, b) => b.score - a.score);
  return {
    predicted_motion: ranking[0]?.slug ?? "",
    confidence_score: ranking[0]?.score ?? 0,
    ranking,
    model_name: MOTION_MODEL_NAME,
  };
}

function smoothedSeries(frames: PoseFrame[], aspect: number): Series {
  const out: Series = { t: [], ch: [] };
  const smoother = new TimeSmoother(CHANNELS.length);
  const emit = (t: number, ch: Float64Array) => {
    out.t.push(t);
    out.ch.push(ch);
  };
  let last = -Infinity;
  for (const f of frames) {
    if (!Number.isFinite(f?.timestamp) || f.timestamp <= last) continue;
    if (!Array.isArray(f.landmarks) || f.landmarks.length < 33) continue;
    const ch = new Float64Array(CHANNELS.length);
    measureFrame(f, aspect, ch);
    last = f.timestamp;
    smoother.push(f.timestamp, ch, emit);
  }
  smoother.flush(emit);
  return out;
}

/** Target ranges the config implies, mirrored to the other side for two-sided exercises. */
export function impliedTargets(
  config: AnalysisConfig,
): Partial<Record<Joint, { min: number; max: number }>> {
  const targets = { ...config.target_ranges };
  const bilateral = config.form_rules.some((r) => r.type === "symmetry");
  if (!bilateral) return targets;
  for (const [joint, range] of Object.entries(config.target_ranges) as [
    Joint,
    { min: number; max: number },
  ][]) {
    const mirror = (
      joint.endsWith("_left")
        ? joint.replace(/_left$/, "_right")
        : joint.replace(/_right$/, "_left")
    ) as Joint;
    if (mirror !== joint && !targets[mirror]) targets[mirror] = range;
  }
  return targets;
}

function logDensity(v: number, range: { min: number; max: number } | undefined): number {
  if (!range) return FLAT;
  const d = v < range.min ? range.min - v : v > range.max ? v - range.max : 0;
  return (
    -Math.log(range.max - range.min + SIGMA * Math.sqrt(2 * Math.PI)) -
    (d * d) / (2 * SIGMA * SIGMA)
  );
}

function scoreCandidate(s: Series, config: AnalysisConfig): number {
  const p = CH[config.primary_joint];
  const tracker = new RepTracker(config);
  const seen: number[] = [];
  for (let i = 0; i < s.t.length; i++) {
    const a = s.ch[i]![p]!;
    if (Number.isNaN(a)) continue;
    tracker.step(s.t[i]!, a);
    seen.push(i);
  }
  if (seen.length === 0) return -NO_REPS * 2;
  const partial = tracker.close(s.t[seen[seen.length - 1]!]!);
  let score = 0;
  const r = config.repetition;
  const reps = tracker.reps;
  // Working frames: inside each repetition, the frames past the counting angle (or holding).
  let working = workingFrames(s, seen, reps, config, p);
  if (reps.length === 0) {
    // Nothing counted: judge the most extreme tenth of the recording, and how far it fell short.
    const sign = r.type === "reps" && r.direction === "up" ? -1 : 1;
    const sorted = seen.slice().sort((a, b) => sign * (s.ch[a]![p]! - s.ch[b]![p]!));
    working = sorted.slice(0, Math.max(1, Math.ceil(sorted.length / 10)));
    score -= NO_REPS;
  } else if (r.type === "reps") {
    const first = s.ch[seen[0]!]![p]!;
    const last = s.ch[seen[seen.length - 1]!]![p]!;
    if (!atRest(config, first)) score -= NOT_AT_REST;
    if (!atRest(config, last) || partial) score -= NOT_AT_REST;
    const t = config.tempo;
    if (t) {
      const off = reps.filter(
        (x) => x.duration_s < t.min_rep_seconds || x.duration_s > t.max_rep_seconds,
      ).length;
      score -= (OFF_TEMPO * off) / reps.length;
    }
  } else {
    const ratio = Math.min(1, tracker.longestHoldMs / 1000 / r.min_hold_seconds);
    score -= OFF_TEMPO * (1 - ratio);
  }
  const targets = impliedTargets(config);
  for (const joint of ALL_JOINTS) {
    const j = CH[joint];
    let sum = 0;
    let n = 0;
    for (const i of working) {
      const v = s.ch[i]![j]!;
      if (Number.isNaN(v)) continue;
      sum += logDensity(v, targets[joint]);
      n++;
    }
    if (n > 0) score += sum / n;
  }
  for (const rule of config.form_rules) {
    let bad = 0;
    let n = 0;
    for (const i of seen) {
      const v = ruleValue(rule, s.ch[i]!);
      if (Number.isNaN(v)) continue;
      n++;
      if (v > (rule.type === "angle_min" ? -rule.value : rule.value)) bad++;
    }
    if (n > 0) score -= (FORM * bad) / n;
  }
  return score;
}

/** Frames inside a repetition at its working position, in one pass (both lists are in time order). */
function workingFrames(
  s: Series,
  seen: number[],
  reps: { start_ms: number; end_ms: number }[],
  config: AnalysisConfig,
  p: number,
): number[] {
  const out: number[] = [];
  let r = 0;
  for (const i of seen) {
    const t = s.t[i]!;
    while (r < reps.length && reps[r]!.end_ms < t) r++;
    const rep = reps[r];
    if (rep && t >= rep.start_ms && atWork(config, s.ch[i]![p]!)) out.push(i);
  }
  return out;
}

function atRest(config: AnalysisConfig, a: number): boolean {
  const r = config.repetition;
  if (r.type === "hold") return true;
  return r.direction === "up" ? a < (r.start_angle_below ?? 0) : a > (r.start_angle_above ?? 180);
}

function atWork(config: AnalysisConfig, a: number): boolean {
  const r = config.repetition;
  if (r.type === "hold") return a >= r.hold_angle_min && a <= r.hold_angle_max;
  return r.direction === "up" ? a > (r.top_angle_above ?? 180) : a < (r.bottom_angle_below ?? 0);
}
