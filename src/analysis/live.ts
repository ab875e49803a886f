/**
 * Frame-by-frame analysis for live feedback (the live-session Durable Object). It runs the same
 * engine as analyzeSession, so its summary equals analyzeSession on the same frames. Feedback
 * trails the newest frame by the smoothing half-window (100 ms).
 */
import type { AnalysisConfig } from "../modules/exercise-types/exercise-types.analysis";
import { AnalysisEngine } from "./engine";
import { incompleteRepIssue } from "./summary";
import type { FrameSize, PoseFrame } from "./landmarks";
import type { AnalysisOptions, LiveFeedback, SessionAnalysis } from "./types";

export type { LiveFeedback } from "./types";

export type LiveAnalyzer = {
  /** Adds a frame (O(1) amortised) and answers the feedback as of now. */
  push(frame: PoseFrame, frameSize?: FrameSize): LiveFeedback;
  /** The session result so far; pushing can continue afterwards. */
  summary(): SessionAnalysis;
};

/**
 * How long the live feedback keeps telling of a movement that stopped short, after it turned
 * back: long enough for one feedback round trip and a glance, shorter than a repetition.
 */
export const INCOMPLETE_CUE_MS = 2000;

const NOT_VISIBLE = {
  code: "not_visible",
  message: "Move so your whole body is in view",
  severity: "LOW",
} as const;

/** Creates a live analyzer for one exercise. */
export function createLiveAnalyzer(
  config: AnalysisConfig,
  opts: AnalysisOptions = {},
): LiveAnalyzer {
  const engine = new AnalysisEngine(config, opts);
  return {
    push(frame, frameSize) {
      const used = engine.push(frame, frameSize);
      const t = Number.isFinite(frame?.timestamp) ? frame.timestamp : engine.lastT;
      const cues = engine.form.activeCues();
      const attempt = engine.reps.attempts.at(-1);
      // Shown from the frame that completes it (the return to rest, through the smoother).
      if (attempt && engine.lastT - attempt.at <= INCOMPLETE_CUE_MS) {
        const issue = incompleteRepIssue(attempt, engine.reps.target);
        cues.push({
          code: issue.rule_id,
          message: issue.message,
          severity: issue.severity,
          timestamp: issue.timestamp,
          value: issue.value,
          target: issue.target!,
        });
      }
      if (!used) cues.push({ ...NOT_VISIBLE });
      const feedback: LiveFeedback = {
        timestamp: t,
        rep_count: engine.reps.count,
        partial_rep: engine.reps.currentRep !== null,
        phase: engine.reps.phase,
        primary_angle:
          engine.lastSmoothed === null ? null : Math.round(engine.lastSmoothed * 10) / 10,
        cues,
      };
      if (config.repetition.type === "hold") {
        feedback.hold_seconds = Math.round(engine.reps.holdingSeconds(engine.lastT) * 10) / 10;
      }
      return feedback;
    },
    summary: () => engine.summary(),
  };
}
