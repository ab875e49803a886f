/** Tiny 3-vector helpers on plain tuples (2D points carry z = 0). */

export type Vec = [number, number, number];

export const sub = (a: Vec, b: Vec): Vec => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const add = (a: Vec, b: Vec): Vec => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const scale = (a: Vec, k: number): Vec => [a[0] * k, a[1] * k, a[2] * k];
export const dot = (a: Vec, b: Vec): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const norm = (a: Vec): number => Math.sqrt(dot(a, a));
export const mid = (a: Vec, b: Vec): Vec => [
  (a[0] + b[0]) / 2,
  (a[1] + b[1]) / 2,
  (a[2] + b[2]) / 2,
];
export const cross = (a: Vec, b: Vec): Vec => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

export const DEG = 180 / Math.PI;

/** Angle between two vectors in degrees, NaN when either is (near) zero length. */
export function angleBetween(u: Vec, v: Vec): number {
  const n = norm(u) * norm(v);
  if (!(n > 1e-12)) return NaN;
  const c = Math.min(1, Math.max(-1, dot(u, v) / n));
  return Math.acos(c) * DEG;
}

/** The angle at `b` formed by a–b–c, in degrees. */
export const angleAt = (a: Vec, b: Vec, c: Vec): number => angleBetween(sub(a, b), sub(c, b));
