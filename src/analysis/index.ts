/** Movement analysis: pure TypeScript, no I/O. See README "Movement analysis". */
export * from "./landmarks";
export { jointAngles, ALL_JOINTS } from "./angles";
export { analyzeSession } from "./session";
export { ResumableAnalysis } from "./resumable";
export { createLiveAnalyzer, type LiveAnalyzer } from "./live";
export {
  classifyMotion,
  MOTION_MODEL_NAME,
  type MotionCandidate,
  type MotionPrediction,
} from "./classify";
export { postureScore, type PostureResult, type PosturePart } from "./posture";
export type * from "./types";
export type { AnalysisConfig, Joint } from "../modules/exercise-types/exercise-types.analysis";
