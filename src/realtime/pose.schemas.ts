/**
 * Messages of the live pose socket (`/parties/pose/{model}`, seed 003), both directions.
 *
 * Invariants: a client message is one frame, `{ image }` (base64 JPEG/PNG/WebP) or `{ landmarks }`
 * (33 BlazePose points from an on-device model: then only the posture is scored); anything else
 * answers an `error` event and the socket stays open. Answers keep seed 003's `keypoints` and
 * `posture_score` and add `model`, `inference_ms` and `dropped` (frames skipped while busy).
 */
import { z } from "zod";

/** Largest frame read, in bytes (a WebSocket message is at most 1 MiB on Workers anyway). */
export const MAX_FRAME_BYTES = 1_000_000;

const FrameId = z.string().max(64).optional();

const Point = z.object({
  type: z.string().max(32).optional(),
  x: z.number().finite(),
  y: z.number().finite(),
  z: z.number().finite().default(0),
  visibility: z.number().min(0).max(1).default(1),
});

export const ImageFrame = z
  .object({
    id: FrameId,
    image: z
      .string()
      .min(1)
      .regex(/^(data:image\/[a-z+]+;base64,)?[A-Za-z0-9+/_-]+={0,2}$/, "base64 of an image"),
  })
  .strict();

export const LandmarkFrame = z
  .object({
    id: FrameId,
    landmarks: z.array(Point).length(33),
    width: z.number().int().positive().max(16384).optional(),
    height: z.number().int().positive().max(16384).optional(),
  })
  .strict();

export const PoseFrameIn = z.union([ImageFrame, LandmarkFrame]);
export type PoseFrameIn = z.infer<typeof PoseFrameIn>;

/** Parses a frame against the member its keys ask for, so errors name the actual bad field. */
export const parseFrame = (json: unknown) =>
  json !== null && typeof json === "object" && "landmarks" in json
    ? LandmarkFrame.safeParse(json)
    : ImageFrame.safeParse(json);

export type PoseSocketOut =
  | { event: "ready"; model: string; max_frame_bytes: number }
  | {
      event: "pose";
      id: string | null;
      keypoints: unknown[];
      keypoint_format: "blazepose-33" | "coco-17";
      keypoint_names: string[];
      world_landmarks: unknown[];
      posture_score: number | null;
      posture: unknown;
      model: string;
      inference_ms: number;
      dropped: number;
    }
  | {
      event: "error";
      id: string | null;
      code: string;
      message: string;
      details?: { field: string; message: string }[];
      dropped: number;
    };
