/**
 * The posture score of an estimated pose, from the shared movement-analysis module, so that the
 * image path (pose Worker) and the on-device landmark path score the same way. MoveNet's 17
 * COCO keypoints are placed in BlazePose's slots first (the points COCO lacks count as unseen).
 */
import { cocoToBlazePose, postureScore, type FrameSize, type Landmark } from "../../analysis";
import type { PoseEstimateResult } from "./pose.schemas";

/** Posture score (0–100) with its named parts and cues for 33 landmarks or 17 COCO keypoints. */
export function postureOf(
  landmarks: Landmark[],
  frameSize?: FrameSize,
  format: "blazepose-33" | "coco-17" = "blazepose-33",
): PoseEstimateResult["posture"] {
  return postureScore(format === "coco-17" ? cocoToBlazePose(landmarks) : landmarks, frameSize);
}
