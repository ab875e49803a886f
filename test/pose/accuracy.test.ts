/**
 * Accuracy against MediaPipe's own reference: the pose Worker (real BlazePose on TensorFlow.js,
 * run here in workerd as an auxiliary worker) must place every one of the 33 landmarks of
 * pose.jpg within 15 px of what MediaPipe's test suite expects, and the world landmarks within
 * 0.11 m: the tolerances of the TensorFlow.js BlazePose tests. MoveNet Lightning must place its
 * 17 COCO keypoints within 15 px of its own reference run (see scripts/movenet-reference.mjs).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EstimateResult } from "../../pose/src/protocol";
import { EXPECTED, MOVENET_EXPECTED, POSE_JPG, POSE_PNG_HALF, POSE_WEBP } from "./images";

async function estimate(bytes: Uint8Array, model?: string): Promise<EstimateResult> {
  const query = model ? `?model=${model}` : "";
  const res = await env.POSE!.fetch(`https://pose.internal/v1/estimate${query}`, {
    method: "POST",
    body: bytes,
  });
  const text = await res.text();
  expect(res.status, text.slice(0, 400)).toBe(200);
  return JSON.parse(text) as EstimateResult;
}

function pixelErrors(result: EstimateResult, scale = 1) {
  return result.landmarks.map((l, i) => {
    const want = EXPECTED.landmarks[i]!;
    expect(l.type).toBe(want.type);
    return Math.max(Math.abs(l.x_px / scale - want.x), Math.abs(l.y_px / scale - want.y));
  });
}

describe("happy", () => {
  it("places all 33 landmarks of pose.jpg within 15 px of MediaPipe's reference", async () => {
    const result = await estimate(POSE_JPG);
    expect(result.model).toBe("blazepose-lite");
    expect(result.image).toEqual({ width: 1000, height: 667, format: "jpeg" });
    expect(result.landmarks).toHaveLength(33);
    const errors = pixelErrors(result);
    const worst = Math.max(...errors);
    expect(
      worst,
      `per-landmark errors (px): ${errors.map((e) => e.toFixed(1)).join(" ")}`,
    ).toBeLessThanOrEqual(EXPECTED.tolerance_px);
    for (const l of result.landmarks) {
      expect(l.x).toBeCloseTo(l.x_px / 1000, 6);
      expect(l.y).toBeCloseTo(l.y_px / 667, 6);
      expect(l.visibility).toBeGreaterThanOrEqual(0);
      expect(l.visibility).toBeLessThanOrEqual(1);
    }
  });

  it("gives world landmarks (metres) within 0.11 m of MediaPipe's reference", async () => {
    const result = await estimate(POSE_JPG);
    expect(result.world_landmarks).toHaveLength(33);
    const errors = result.world_landmarks.map((l, i) => {
      const want = EXPECTED.world_landmarks[i]!;
      return Math.max(Math.abs(l.x - want.x), Math.abs(l.y - want.y), Math.abs(l.z - want.z));
    });
    expect(Math.max(...errors), errors.map((e) => e.toFixed(3)).join(" ")).toBeLessThanOrEqual(
      EXPECTED.tolerance_world_m,
    );
  });

  it("reads the same photograph as PNG and WebP", async () => {
    const png = await estimate(POSE_PNG_HALF);
    expect(png.image).toEqual({ width: 500, height: 333, format: "png" });
    expect(Math.max(...pixelErrors(png, 0.5))).toBeLessThanOrEqual(EXPECTED.tolerance_px);
    const webp = await estimate(POSE_WEBP);
    expect(webp.image).toEqual({ width: 1000, height: 667, format: "webp" });
    expect(Math.max(...pixelErrors(webp))).toBeLessThanOrEqual(EXPECTED.tolerance_px);
  });
});

describe("MoveNet Lightning", () => {
  const COCO = [
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
  ];

  it("places all 17 COCO keypoints of pose.jpg within 15 px of its own reference run", async () => {
    // The reference is the same weights through tfjs-models on the CPU backend at full size
    // (scripts/movenet-reference.mjs); the Worker runs wasm SIMD on its 640 px copy.
    const result = await estimate(POSE_JPG, "movenet-lightning");
    expect(result.model).toBe("movenet-lightning");
    expect(result.keypoint_format).toBe("coco-17");
    expect(result.keypoint_names).toEqual(COCO.map((n) => n.toLowerCase()));
    expect(result.landmarks.map((l) => l.type)).toEqual(COCO);
    expect(result.world_landmarks).toEqual([]);
    const errors = result.landmarks.map((l, i) => {
      const want = MOVENET_EXPECTED.keypoints[i]!;
      expect(l.type).toBe(want.type);
      expect(l.z).toBe(0);
      expect(l.x).toBeCloseTo(l.x_px / 1000, 6);
      return Math.max(Math.abs(l.x_px - want.x), Math.abs(l.y_px - want.y));
    });
    expect(
      Math.max(...errors),
      `per-keypoint errors (px): ${errors.map((e) => e.toFixed(1)).join(" ")}`,
    ).toBeLessThanOrEqual(MOVENET_EXPECTED.tolerance_px);
    expect(result.score).toBeGreaterThan(0.5);
  });

  it("agrees with MediaPipe's independent reference within 15 px except where COCO places the hips differently", async () => {
    // The hip is the one joint COCO's annotators and MediaPipe's place differently (neither sees
    // it): MoveNet's hips sit 15–18 px from MediaPipe's here (docs/pose-models.md), and are
    // checked against MoveNet's own reference above.
    const result = await estimate(POSE_JPG, "movenet-lightning");
    const byType = new Map(EXPECTED.landmarks.map((l) => [l.type, l]));
    const errors = result.landmarks
      .filter((l) => !l.type.endsWith("_HIP"))
      .map((l) => {
        const want = byType.get(l.type)!;
        return Math.max(Math.abs(l.x_px - want.x), Math.abs(l.y_px - want.y));
      });
    expect(errors).toHaveLength(15);
    expect(Math.max(...errors), errors.map((e) => e.toFixed(1)).join(" ")).toBeLessThanOrEqual(
      EXPECTED.tolerance_px,
    );
  });
});
