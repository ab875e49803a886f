/**
 * The posture score of an estimated pose, from the shared movement-analysis module, so that the
 * image path (pose Worker) and the on-device landmark path score the same way.
 */
import { postureScore, type FrameSize, type Landmark } from "../../analysis";
import type { PoseEstimateResult } from "./pose.schemas";

/** Posture score (0–100) with its named parts and cues for 33 landmarks (normalised x, y). */
export function postureOf(
  landmarks: Landmark[],
  frameSize?: FrameSize,
): PoseEstimateResult["posture"] {
  return postureScore(landmarks, frameSize);
}
