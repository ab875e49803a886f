/**
 * What the pose Worker answers over the service binding (the API imports these types).
 * `POST /v1/estimate?model=<id>` with the image bytes as the body →
 *   200 EstimateResult | 404 UNKNOWN_MODEL | 413 image too large (bytes, pixels, inflation) |
 *   422 image malformed, truncated or not an image, or NO_POSE | 503 MODEL_UNAVAILABLE,
 * errors as `{ error: { code, message } }`.
 */
export type PoseLandmark = {
  /** BlazePose name, e.g. "LEFT_SHOULDER"; the 33 come in MediaPipe's order. */
  type: string;
  /** Normalised to the image: 0..1 across its width and height. */
  x: number;
  y: number;
  /** Depth relative to the hips' midpoint, on roughly the scale of x. */
  z: number;
  visibility: number;
  /** The same point in the image's own pixels. */
  x_px: number;
  y_px: number;
};

export type WorldLandmark = { type: string; x: number; y: number; z: number; visibility: number };

export type EstimateResult = {
  model: string;
  inference_ms: number;
  /** The detector's confidence that a person is there (0..1). */
  score: number | null;
  image: { width: number; height: number; format: string };
  landmarks: PoseLandmark[];
  /** Metres, origin between the hips. */
  world_landmarks: WorldLandmark[];
};

export type PoseWorkerError = { error: { code: string; message: string } };
