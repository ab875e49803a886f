/**
 * Request size limits of pose estimation. Images are larger than the API's 1 MiB JSON limit, so
 * this route sets its own (app.ts skips the global one for `OWN_BODY_LIMIT_PATHS`); the pose
 * Worker still refuses images over 6 MB or 4.2 megapixels from their header.
 */
export const POSE_ESTIMATE_PATH = "/api/v1/pose/estimate";

/** 6 MB of image as base64 inside JSON, or raw / multipart with room for the form's framing. */
export const POSE_MAX_BODY_BYTES = 8_500_000;

/** Base64 characters for a 6 MB image. */
export const POSE_MAX_BASE64_CHARS = 8_400_000;

export const OWN_BODY_LIMIT_PATHS = new Set([POSE_ESTIMATE_PATH]);
