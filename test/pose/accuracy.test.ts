/**
 * Accuracy against MediaPipe's own reference: the pose Worker (real BlazePose on TensorFlow.js,
 * run here in workerd as an auxiliary worker) must place every one of the 33 landmarks of
 * pose.jpg within 15 px of what MediaPipe's test suite expects, and the world landmarks within
 * 0.11 m: the tolerances of the TensorFlow.js BlazePose tests.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EstimateResult } from "../../pose/src/protocol";
import { EXPECTED, POSE_JPG, POSE_PNG_HALF, POSE_WEBP } from "./images";

async function estimate(bytes: Uint8Array): Promise<EstimateResult> {
  const res = await env.POSE!.fetch("https://pose.internal/v1/estimate", {
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
