/** Result shapes of the movement analysis (snake_case: they go out in API responses as they are). */
import type { Joint } from "../modules/exercise-types/exercise-types.analysis";
import type { FrameSize } from "./landmarks";

export type Severity = "LOW" | "MEDIUM" | "HIGH";

export type AnalysisOptions = { frameSize?: FrameSize };

export type AngleRangeSummary = { min: number; max: number; avg: number };

export type RepSummary = {
  /** 1-based: the first repetition is 1; form issues refer to this index. */
  index: number;
  start_ms: number;
  /** The working position: the bottom of a squat, the top of a raise, the middle of a hold. */
  bottom_ms: number;
  end_ms: number;
  duration_s: number;
  min_angle: number;
  max_angle: number;
  range_of_motion: number;
  /** The primary joint reached its target range (catalog `target_ranges`) in this repetition. */
  in_target: boolean;
};

export type FormIssue = {
  rule_id: string;
  /** A catalog form rule type, or "range_of_motion" for a repetition short of its target. */
  type: string;
  message: string;
  severity: Severity;
  /** The repetition (RepSummary.index) it happened in; null between repetitions. */
  rep: number | null;
  /** When the worst value was seen, ms. */
  timestamp: number;
  /**
   * The worst value in degrees (angle, left/right difference, valgus or lean); for an
   * `incomplete_rep`, the depth reached: the primary joint's angle at the turning point.
   */
  value: number;
  /** `incomplete_rep` only: the angle a repetition counts at (the catalog's counting threshold). */
  target?: number;
};

export type SessionAnalysis = {
  frames_total: number;
  frames_used: number;
  frames_skipped: number;
  duration_ms: number;
  /** Used frames per second. */
  sampling_rate: number;
  /** No world landmarks and no frame size: the image was taken as square. */
  aspect_assumed: boolean;
  angle_source: "world" | "image";
  angle_ranges: Partial<Record<Joint, AngleRangeSummary>>;
  rep_count: number;
  /** 1 when the session ends in a repetition (or hold) still in progress, else 0. */
  partial_reps: number;
  reps: RepSummary[];
  tempo: { mean_rep_seconds: number; min_rep_seconds: number; max_rep_seconds: number } | null;
  /** Longest hold in seconds for isometric exercises, null for repetition exercises. */
  hold_seconds: number | null;
  form_issues: FormIssue[];
  /** Range of motion, form and tempo together, in [0, 1]. */
  quality_score: number;
  /** [timestamp ms, primary joint angle] downsampled to at most 600 points for charts. */
  primary_series: [number, number][];
};

export type Phase = "start" | "down" | "bottom" | "up" | "top" | "hold" | "unknown";

export type LiveCue = {
  code: string;
  message: string;
  severity: Severity;
  /** `incomplete_rep` only: when the movement turned back, the angle reached, the counting angle. */
  timestamp?: number;
  value?: number;
  target?: number;
};

export type LiveFeedback = {
  timestamp: number;
  rep_count: number;
  partial_rep: boolean;
  phase: Phase;
  primary_angle: number | null;
  cues: LiveCue[];
  hold_seconds?: number;
};
