/**
 * Request and response schemas of pose estimation (seed 003's inference, over HTTP).
 * The image is never stored and never echoed; answers carry landmarks and scores only.
 */
import { z } from "../../lib/openapi";
import { POSE_MAX_BASE64_CHARS } from "./pose.limits";

/** Model ids are short slugs; anything else is refused before it reaches a model. */
export const ModelId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, "a model id such as blazepose-lite")
  .openapi({ example: "movenet-lightning" });

export const PoseQuery = z.object({
  model: ModelId.optional().openapi({
    param: { name: "model", in: "query" },
    description:
      "The pose model: blazepose-lite (default, 33 landmarks) or movenet-lightning (17 COCO keypoints)",
  }),
});
export type PoseQuery = z.infer<typeof PoseQuery>;

/** Base64 of the image bytes, optionally as a `data:image/...;base64,` URL. */
export const Base64Image = z
  .string()
  .min(1)
  .max(POSE_MAX_BASE64_CHARS)
  .regex(
    /^(data:image\/[a-z+]+;base64,)?[A-Za-z0-9+/_-]+={0,2}$/,
    "base64 of a JPEG, PNG or WebP image",
  );

export const PoseEstimateJson = z
  .object({ image: Base64Image, model: ModelId.optional() })
  .strict()
  .openapi("PoseEstimateJson");
export type PoseEstimateJson = z.infer<typeof PoseEstimateJson>;

export const PoseEstimateForm = z
  .object({
    image: z.any().openapi({ type: "string", format: "binary" }),
    model: ModelId.optional(),
  })
  .openapi("PoseEstimateForm");

export const PoseLandmark = z
  .object({
    type: z.string().openapi({ example: "LEFT_SHOULDER" }),
    x: z.number().openapi({ description: "0..1 across the image's width" }),
    y: z.number().openapi({ description: "0..1 down the image's height" }),
    z: z.number().openapi({ description: "Depth relative to the hips, on the scale of x" }),
    visibility: z.number(),
    x_px: z.number(),
    y_px: z.number(),
  })
  .openapi("PoseLandmark");

export const WorldLandmark = z
  .object({ type: z.string(), x: z.number(), y: z.number(), z: z.number(), visibility: z.number() })
  .openapi("WorldLandmark");

const Part = z.object({ value: z.number().nullable(), penalty: z.number() });
export const Posture = z
  .object({
    score: z.number().min(0).max(100),
    parts: z.object({
      head_forward: Part,
      shoulder_tilt: Part,
      trunk_lean: Part,
      hip_tilt: Part,
    }),
    cues: z.array(z.object({ code: z.string(), message: z.string() })),
  })
  .openapi("Posture");

export const KeypointFormat = z.enum(["blazepose-33", "coco-17"]).openapi({
  description:
    "Which keypoints `landmarks` holds: BlazePose's 33 (MediaPipe order) or COCO's 17 (MoveNet)",
});

export const PoseEstimateResult = z
  .object({
    model: z.string().openapi({ example: "movenet-lightning" }),
    keypoint_format: KeypointFormat,
    keypoint_names: z.array(z.string()).openapi({
      description: "The keypoints' names in answer order, as the format spells them",
      example: ["nose", "left_eye", "right_eye"],
    }),
    provider: z.enum(["pose-worker", "workers-ai"]),
    inference_ms: z.number(),
    image: z.object({ width: z.number().int(), height: z.number().int(), format: z.string() }),
    landmarks: z.array(PoseLandmark).min(17).max(33),
    world_landmarks: z
      .array(WorldLandmark)
      .openapi({ description: "Metres around the hips; empty for MoveNet (2D only)" }),
    posture_score: z.number().nullable(),
    posture: Posture.nullable(),
  })
  .openapi("PoseEstimateResult");
export type PoseEstimateResult = z.infer<typeof PoseEstimateResult>;
