/**
 * Workers AI adapter for `PoseEstimator`, for a keypoint model named in `AI_POSE_KEYPOINT_MODEL`.
 * Workers AI's catalog has no pose model today, so this is the contract such a model must meet:
 * 33 landmarks in BlazePose order, normalised x/y. Anything else is refused as a 503, never
 * reshaped into a pose.
 */
import { z } from "zod";
import { BLAZEPOSE_LANDMARKS } from "../../analysis";
import { unavailable, type PoseEstimate, type PoseEstimator } from "./pose.estimator";

const Point = z.object({
  x: z.number(),
  y: z.number(),
  z: z.number().default(0),
  visibility: z.number().optional(),
  score: z.number().optional(),
});
const Output = z.object({
  landmarks: z.array(Point).length(33),
  world_landmarks: z.array(Point).length(33).optional(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

export function workersAiPoseEstimator(ai: Ai, model: string): PoseEstimator {
  return {
    provider: "workers-ai",
    async estimate(image, options) {
      if (options?.model && options.model !== model) {
        throw unavailable(`Only the configured model ${model} is available.`);
      }
      const started = Date.now();
      let raw: unknown;
      try {
        raw = await ai.run(model as never, { image: [...image] } as never);
      } catch {
        throw unavailable();
      }
      const parsed = Output.safeParse(raw);
      if (!parsed.success) throw unavailable("The configured AI model returned no pose landmarks.");
      const { width, height } = parsed.data;
      const named = (i: number) => BLAZEPOSE_LANDMARKS[i]!;
      const result: PoseEstimate = {
        model,
        keypoint_format: "blazepose-33",
        keypoint_names: BLAZEPOSE_LANDMARKS.map((n) => n.toLowerCase()),
        inference_ms: Date.now() - started,
        score: null,
        image: { width, height, format: "unknown" },
        landmarks: parsed.data.landmarks.map((p, i) => ({
          type: named(i),
          x: p.x,
          y: p.y,
          z: p.z,
          visibility: p.visibility ?? p.score ?? 0,
          x_px: p.x * width,
          y_px: p.y * height,
        })),
        world_landmarks: (parsed.data.world_landmarks ?? []).map((p, i) => ({
          type: named(i),
          x: p.x,
          y: p.y,
          z: p.z,
          visibility: p.visibility ?? p.score ?? 0,
        })),
      };
      return result;
    },
  };
}
