/**
 * BlazePose and MoveNet on TensorFlow.js (wasm backend) over the bundled models: one detector
 * per model per isolate, loaded on first use and kept. Inference is serialised per isolate:
 * the detectors are stateful (they track a region between frames) and one image at a time
 * bounds the wasm heap. `reset()` before each image: every request is a still image, not a video.
 */
import * as tf from "@tensorflow/tfjs-core";
import { load as loadBlazePose } from "@tensorflow-models/pose-detection/dist/blazepose_tfjs/detector.js";
import { load as loadMoveNet } from "@tensorflow-models/pose-detection/dist/movenet/detector.js";
import type { PoseDetector } from "@tensorflow-models/pose-detection/dist/pose_detector";
import type { DecodedImage } from "./decode";
import { KEYPOINT_NAMES, POSE_MODELS, type PoseModelSpec } from "./models";
import type { EstimateResult, PoseLandmark } from "./protocol";
import { ensureWasmBackend } from "./tf-wasm";

/** The model could not be loaded or run: the caller answers 503, never a made-up pose. */
export class ModelUnavailableError extends Error {}

const detectors = new Map<string, Promise<PoseDetector>>();
let queue: Promise<unknown> = Promise.resolve();

function detectorFor(spec: PoseModelSpec): Promise<PoseDetector> {
  let detector = detectors.get(spec.id);
  if (!detector) {
    detector = ensureWasmBackend()
      .then(() =>
        spec.family === "blazepose"
          ? loadBlazePose({
              runtime: "tfjs",
              modelType: spec.modelType,
              enableSmoothing: false,
              enableSegmentation: false,
              detectorModelUrl: spec.detector,
              landmarkModelUrl: spec.landmark,
            })
          : loadMoveNet({
              modelType: spec.modelType,
              enableSmoothing: false,
              modelUrl: spec.model,
            }),
      )
      .catch((error: unknown) => {
        detectors.delete(spec.id); // Let a later request try again.
        throw new ModelUnavailableError(`The pose model ${spec.id} could not be loaded.`, {
          cause: error,
        });
      });
    detectors.set(spec.id, detector);
  }
  return detector;
}

/** Runs one model on one image; answers in the image's own pixels. Serialised per isolate. */
export function estimatePose(modelId: string, image: DecodedImage): Promise<EstimateResult | null> {
  const spec = POSE_MODELS[modelId];
  if (!spec) throw new Error(`unknown model ${modelId}`);
  const run = queue.then(() => runOnce(spec, image));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce(spec: PoseModelSpec, image: DecodedImage): Promise<EstimateResult | null> {
  const detector = await detectorFor(spec);
  const started = performance.now();
  const input = tf.tensor3d(image.rgb, [image.modelHeight, image.modelWidth, 3], "int32");
  try {
    detector.reset();
    let poses = await detector.estimatePoses(input, { maxPoses: 1, flipHorizontal: false });
    // MoveNet's first look at a still image is the whole frame padded to a square, where a
    // person may be a fraction of its 192 px input; its own cropping step then picks the region
    // around the keypoints found, and the second look, at that crop, is the answer (what the
    // tfjs-models detector does on the next frame of a video).
    for (let pass = 1; pass < passesFor(spec) && poses[0]; pass++) {
      poses = await detector.estimatePoses(input, { maxPoses: 1, flipHorizontal: false });
    }
    const pose = poses[0];
    if (!pose || (spec.family === "blazepose" && !pose.keypoints3D)) return null;
    const inference_ms = Math.round((performance.now() - started) * 10) / 10;
    const landmarks: PoseLandmark[] = pose.keypoints.map((k) => {
      const nx = k.x / image.modelWidth;
      const ny = k.y / image.modelHeight;
      return {
        type: (k.name ?? "").toUpperCase(),
        x: nx,
        y: ny,
        // MediaPipe's z is on roughly the scale of x, relative to the hips' midpoint.
        z: (k.z ?? 0) / image.modelWidth,
        visibility: k.score ?? 0,
        x_px: nx * image.width,
        y_px: ny * image.height,
      };
    });
    const world_landmarks = (pose.keypoints3D ?? []).map((k) => ({
      type: (k.name ?? "").toUpperCase(),
      x: k.x,
      y: k.y,
      z: k.z ?? 0,
      visibility: k.score ?? 0,
    }));
    return {
      model: spec.id,
      keypoint_format: spec.format,
      keypoint_names: [...KEYPOINT_NAMES[spec.format]],
      inference_ms,
      score: pose.score ?? null,
      image: { width: image.width, height: image.height, format: image.format },
      landmarks,
      world_landmarks,
    };
  } catch (error) {
    throw new ModelUnavailableError(`The pose model ${spec.id} failed on this image.`, {
      cause: error,
    });
  } finally {
    input.dispose();
  }
}

/** Looks at one still image: BlazePose's detector finds the person itself; MoveNet crops twice. */
const passesFor = (spec: PoseModelSpec) => (spec.family === "movenet" ? 2 : 1);

/** Sizes for the bench and the README: wasm heap, tensors held. */
export function memoryStats() {
  const backend =
    tf.getBackend() === "wasm"
      ? (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } })
      : null;
  return {
    backend: tf.getBackend() ?? null,
    wasm_heap_bytes: backend?.wasm.HEAPU8.buffer.byteLength ?? null,
    tensors: tf.memory().numTensors,
    tensor_bytes: tf.memory().numBytes,
  };
}
