/**
 * The `PoseEstimator` interface: image bytes in, 33 BlazePose landmarks out. Two implementations:
 * the pose Worker (a real BlazePose model on TensorFlow.js, over the POSE service binding; the
 * default) and Workers AI, used only when `AI_POSE_KEYPOINT_MODEL` names a keypoint model (the
 * catalog has none today). Neither ever invents a pose: failure to load or run a model is a 503.
 */
import type { EstimateResult, PoseWorkerError } from "../../../pose/src/protocol";
import type { Bindings } from "../../env";
import { AppError, ValidationError } from "../../lib/errors";
import { workersAiPoseEstimator } from "./pose.workers-ai";

export type PoseEstimate = EstimateResult;

export interface PoseEstimator {
  readonly provider: "pose-worker" | "workers-ai";
  estimate(image: Uint8Array, options?: { model?: string }): Promise<PoseEstimate>;
}

export const unavailable = (message = "The pose model could not be loaded; try again shortly.") =>
  new AppError("SERVICE_UNAVAILABLE", message);

/** Maps the pose Worker's answer codes onto the API's closed error set. */
function workerError(status: number, body: PoseWorkerError | null): AppError {
  const message = body?.error?.message ?? "The pose estimator failed.";
  const code = body?.error?.code;
  if (code === "UNKNOWN_MODEL") return new ValidationError([{ field: "model", message }]);
  // No person found, or an image that is not, or not entirely, a JPEG, PNG or WebP.
  if (status === 422) return new ValidationError([{ field: "image", message }], message);
  if (status === 413) return new AppError("PAYLOAD_TOO_LARGE", message);
  return unavailable();
}

/** The pose Worker over its service binding. */
export function serviceBindingEstimator(pose: Fetcher): PoseEstimator {
  return {
    provider: "pose-worker",
    async estimate(image, options) {
      const url = new URL("https://pose.internal/v1/estimate");
      if (options?.model) url.searchParams.set("model", options.model);
      let response: Response;
      try {
        response = await pose.fetch(url.toString(), { method: "POST", body: image });
      } catch {
        throw unavailable();
      }
      const body = (await response.json().catch(() => null)) as
        PoseEstimate | PoseWorkerError | null;
      if (!response.ok || !body || "error" in body) {
        throw workerError(response.status, body && "error" in body ? body : null);
      }
      return body;
    },
  };
}

/** The configured estimator: Workers AI only when a keypoint model is named and AI is bound. */
export function poseEstimator(
  env: Pick<Bindings, "AI" | "AI_POSE_KEYPOINT_MODEL" | "POSE">,
): PoseEstimator {
  if (env.AI && env.AI_POSE_KEYPOINT_MODEL) {
    return workersAiPoseEstimator(env.AI, env.AI_POSE_KEYPOINT_MODEL);
  }
  if (!env.POSE) {
    return {
      provider: "pose-worker",
      estimate: async () => {
        throw unavailable("Pose estimation is not configured on this server.");
      },
    };
  }
  return serviceBindingEstimator(env.POSE);
}
