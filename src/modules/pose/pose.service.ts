/**
 * Pose estimation for signed-in users: an image in, the model's keypoints (BlazePose's 33 or
 * MoveNet's 17 COCO keypoints, named), the posture score and the model out. The image is held only for the request: never stored, logged or put in a key.
 * Audit: `pose.estimated` per answered image (model, provider, source; no pixels, no landmarks),
 * `pose.denied` for a role without `pose.estimate`; a failed estimate is audited as `failure`.
 */
import { recordAudit } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import { poseEstimator } from "./pose.estimator";
import { postureOf } from "./pose.posture";
import type { PoseEstimateResult } from "./pose.schemas";

export type EstimateInput = {
  image: Uint8Array;
  model?: string | undefined;
  source: "rest" | "socket";
};

/** Checks the caller may use pose estimation (403 + audited otherwise). */
export async function requirePoseAccess(ctx: RequestContext) {
  return requirePermission(ctx, "pose.estimate", { action: "pose.denied", resourceType: "pose" });
}

/**
 * Runs the configured `PoseEstimator` on one image and scores the posture of the pose found.
 * Throws 422 (no person, unknown model, malformed image), 413 (image too large) or 503 (model
 * unavailable).
 */
export async function estimatePose(
  ctx: RequestContext,
  input: EstimateInput,
): Promise<PoseEstimateResult> {
  await requirePoseAccess(ctx);
  const estimator = poseEstimator(ctx.env);
  const audit = {
    resourceType: "pose",
    metadata: { provider: estimator.provider, source: input.source, model: input.model ?? null },
  };
  let result;
  try {
    result = await estimator.estimate(input.image, { model: input.model });
  } catch (error) {
    const code = error instanceof AppError ? error.code : "INTERNAL_SERVER_ERROR";
    await recordAudit(ctx, {
      action: "pose.estimated",
      outcome: "failure",
      ...audit,
      metadata: { ...audit.metadata, error: code },
    });
    throw error;
  }
  const format = result.keypoint_format ?? "blazepose-33";
  const posture = postureOf(result.landmarks, result.image, format);
  await recordAudit(ctx, {
    action: "pose.estimated",
    ...audit,
    metadata: { ...audit.metadata, model: result.model, landmarks: result.landmarks.length },
  });
  return {
    model: result.model,
    keypoint_format: format,
    keypoint_names: result.keypoint_names ?? [],
    provider: estimator.provider,
    inference_ms: result.inference_ms,
    image: result.image,
    landmarks: result.landmarks,
    world_landmarks: result.world_landmarks,
    posture_score: posture?.score ?? null,
    posture,
  };
}
