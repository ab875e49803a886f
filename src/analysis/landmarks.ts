/**
 * MediaPipe BlazePose landmark shapes. Image landmarks are normalised to the frame (x to its
 * width, y to its height, z roughly on x's scale); world landmarks are metres around the hip
 * midpoint. Both use image axes: x to the right, y DOWN.
 */

export type Landmark = { type?: string; x: number; y: number; z: number; visibility: number };

export type PoseFrame = {
  /** Milliseconds since the session's start; strictly increasing. */
  timestamp: number;
  /** 33 landmarks in BlazePose order. */
  landmarks: Landmark[];
  /** 33 landmarks in metres, when the client has them (MediaPipe's `worldLandmarks`). */
  world_landmarks?: Landmark[];
};

/** The frame's size in pixels: normalised x and y are scaled by it to get true proportions. */
export type FrameSize = { width: number; height: number };

export const BLAZEPOSE_LANDMARKS = [
  "NOSE",
  "LEFT_EYE_INNER",
  "LEFT_EYE",
  "LEFT_EYE_OUTER",
  "RIGHT_EYE_INNER",
  "RIGHT_EYE",
  "RIGHT_EYE_OUTER",
  "LEFT_EAR",
  "RIGHT_EAR",
  "MOUTH_LEFT",
  "MOUTH_RIGHT",
  "LEFT_SHOULDER",
  "RIGHT_SHOULDER",
  "LEFT_ELBOW",
  "RIGHT_ELBOW",
  "LEFT_WRIST",
  "RIGHT_WRIST",
  "LEFT_PINKY",
  "RIGHT_PINKY",
  "LEFT_INDEX",
  "RIGHT_INDEX",
  "LEFT_THUMB",
  "RIGHT_THUMB",
  "LEFT_HIP",
  "RIGHT_HIP",
  "LEFT_KNEE",
  "RIGHT_KNEE",
  "LEFT_ANKLE",
  "RIGHT_ANKLE",
  "LEFT_HEEL",
  "RIGHT_HEEL",
  "LEFT_FOOT_INDEX",
  "RIGHT_FOOT_INDEX",
] as const;
export type LandmarkName = (typeof BLAZEPOSE_LANDMARKS)[number];
export const LANDMARK_COUNT = 33;

/** Index of each landmark by name, e.g. `LM.LEFT_KNEE === 25`. */
export const LM = Object.fromEntries(BLAZEPOSE_LANDMARKS.map((name, i) => [name, i])) as {
  readonly [K in LandmarkName]: number;
};

/**
 * Landmarks whose MediaPipe visibility is below this are treated as unseen: the joints that
 * need them are left out of that frame rather than guessed.
 */
export const VISIBILITY_THRESHOLD = 0.5;

/** COCO's 17 person keypoints in COCO's order (MoveNet's answer); each is also a BlazePose name. */
export const COCO_KEYPOINTS = [
  "NOSE",
  "LEFT_EYE",
  "RIGHT_EYE",
  "LEFT_EAR",
  "RIGHT_EAR",
  "LEFT_SHOULDER",
  "RIGHT_SHOULDER",
  "LEFT_ELBOW",
  "RIGHT_ELBOW",
  "LEFT_WRIST",
  "RIGHT_WRIST",
  "LEFT_HIP",
  "RIGHT_HIP",
  "LEFT_KNEE",
  "RIGHT_KNEE",
  "LEFT_ANKLE",
  "RIGHT_ANKLE",
] as const satisfies readonly LandmarkName[];

/**
 * Places COCO keypoints in BlazePose's 33 slots so one analysis serves both models; the 16
 * points COCO lacks (inner/outer eyes, mouth, hands, heels, toes) are unseen (visibility 0),
 * so the joints that need them are left out rather than guessed.
 */
export function cocoToBlazePose(keypoints: Landmark[]): Landmark[] {
  const slots: Landmark[] = BLAZEPOSE_LANDMARKS.map((type) => ({
    type,
    x: 0,
    y: 0,
    z: 0,
    visibility: 0,
  }));
  COCO_KEYPOINTS.forEach((name, i) => {
    const k = keypoints[i];
    if (k) slots[LM[name]] = { ...k, type: name };
  });
  return slots;
}
