/** Whole-session movement analysis (after upload, or from the queue for long sessions). */
import type { AnalysisConfig } from "../modules/exercise-types/exercise-types.analysis";
import { AnalysisEngine } from "./engine";
import type { PoseFrame } from "./landmarks";
import type { AnalysisOptions, SessionAnalysis } from "./types";

export type { SessionAnalysis } from "./types";

/**
 * Analyses a recorded session against its exercise's catalog config: joint angles, repetitions
 * (or holds), tempo, form issues and a quality score. Pure and synchronous; frames must be in
 * time order (frames not after their predecessor are skipped and counted in frames_skipped).
 * @param opts.frameSize pixels of the video the normalised landmarks refer to
 */
export function analyzeSession(
  frames: PoseFrame[],
  config: AnalysisConfig,
  opts: AnalysisOptions = {},
): SessionAnalysis {
  const engine = new AnalysisEngine(config, opts);
  for (const frame of frames) engine.push(frame);
  return engine.summary();
}
