/** The pose fixtures as bytes inside workerd (Vite inlines them at transform time). */
import jpgUrl from "./fixtures/pose.jpg?inline";
import pngUrl from "./fixtures/pose-half.png?inline";
import webpUrl from "./fixtures/pose.webp?inline";
import expected from "./fixtures/pose.expected.json";
import movenetExpected from "./fixtures/pose.movenet-lightning.json";

const bytesOf = (dataUrl: string) =>
  Uint8Array.from(atob(dataUrl.slice(dataUrl.indexOf(",") + 1)), (c) => c.charCodeAt(0));

export const POSE_JPG = bytesOf(jpgUrl);
export const POSE_PNG_HALF = bytesOf(pngUrl);
export const POSE_WEBP = bytesOf(webpUrl);
export const EXPECTED = expected as {
  width: number;
  height: number;
  tolerance_px: number;
  tolerance_world_m: number;
  landmarks: { type: string; x: number; y: number }[];
  world_landmarks: { type: string; x: number; y: number; z: number }[];
};

/** MoveNet Lightning's own reference for pose.jpg: see scripts/movenet-reference.mjs. */
export const MOVENET_EXPECTED = movenetExpected as {
  width: number;
  height: number;
  model: string;
  tolerance_px: number;
  keypoints: { type: string; x: number; y: number; score: number }[];
};

export const base64Of = (bytes: Uint8Array) => {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
};
