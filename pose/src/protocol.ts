/**
 * What the pose Worker answers over the service binding (the API imports these types).
 * `POST /v1/estimate?model=<id>` with the image bytes as the body →
 *   200 EstimateResult | 404 UNKNOWN_MODEL | 413 image too large (bytes, pixels, inflation) |
 *   422 image malformed, truncated or not an image, or NO_POSE | 503 MODEL_UNAVAILABLE,
 * errors as `{ error: { code, message } }`.
 */
export type PoseLandmark = {
  /**
   * The keypoint's name in capitals, e.g. "LEFT_SHOULDER": BlazePose's 33 in MediaPipe's order,
   * or MoveNet's 17 in COCO's order (COCO's names are a subset of BlazePose's).
   */
  type: string;
  /** Normalised to the image: 0..1 across its width and height. */
  x: number;
  y: number;
  /** Depth relative to the hips' midpoint, on roughly the scale of x (0 for 2D models). */
  z: number;
  /** BlazePose's visibility or MoveNet's keypoint score, 0..1. */
  visibility: number;
  /** The same point in the image's own pixels. */
  x_px: number;
  y_px: number;
};

export type WorldLandmark = { type: string; x: number; y: number; z: number; visibility: number };

export type EstimateResult = {
  model: string;
  /** Which keypoint set `landmarks` holds, and its names in order as the format spells them. */
  keypoint_format: "blazepose-33" | "coco-17";
  keypoint_names: string[];
  inference_ms: number;
  /** The detector's confidence that a person is there (0..1). */
  score: number | null;
  image: { width: number; height: number; format: string };
  landmarks: PoseLandmark[];
  /** Metres, origin between the hips; empty for a model without 3D (MoveNet). */
  world_landmarks: WorldLandmark[];
};

export type PoseWorkerError = { error: { code: string; message: string } };
