/**
 * The posture score of an estimated pose, from the shared movement-analysis module, so that the
 * image path and the on-device landmark path score the same way.
 */
import type { PoseEstimateResult } from "./pose.schemas";

type Point = { type?: string; x: number; y: number; z: number; visibility: number };

/** Posture score and its named parts for 33 landmarks (normalised x, y); null until wired. */
export function postureOf(
  _landmarks: Point[],
  _frameSize?: { width: number; height: number },
): PoseEstimateResult["posture"] {
  return null;
}
