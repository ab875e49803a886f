/**
 * A stick-figure kinematic model for tests: known segment lengths driven by known joint angles
 * (the catalog's conventions), placed in 3D and projected to normalised image coordinates of a
 * square or portrait frame as MediaPipe reports them (x to width, y to height, z on x's scale),
 * with optional world landmarks (metres, hip-centred), seeded Gaussian pixel noise and
 * visibility dropouts. Ground truth is the joint-angle input itself.
 *
 * Body axes: X to the subject's left, Y up, Z forward; the pelvis is the origin. Hip and shoulder
 * lines have the same width so that a leg or arm moving "forward" stays in one sagittal plane:
 * a side camera then sees the true angle in 2D.
 */
import type { Landmark, PoseFrame } from "../../src/analysis";

export type Vec = [number, number, number];

export type Pose = {
  trunk_lean: number; // forward (+) / backward (−) from vertical, degrees; −90 lies supine
  trunk_side?: number; // sideways lean, degrees
  hip_left: number;
  hip_right: number;
  knee_left: number;
  knee_right: number;
  ankle_left: number;
  ankle_right: number;
  shoulder_left: number;
  shoulder_right: number;
  elbow_left: number;
  elbow_right: number;
  /** Knee rotated medially about the hip–ankle axis, degrees (a valgus collapse). */
  valgus_left?: number;
  valgus_right?: number;
  /** Thigh behind the trunk line (the back leg of a lunge). */
  right_thigh_behind?: boolean;
  /** Arms raised in the frontal plane (abduction) instead of forward (flexion). */
  arms_frontal?: boolean;
  head_forward?: number; // neck forward of the trunk line, degrees
  shoulder_tilt?: number; // left shoulder up (+), degrees
  hip_tilt?: number; // left hip up (+), degrees
};

export const STANDING: Pose = {
  trunk_lean: 2,
  hip_left: 178,
  hip_right: 178,
  knee_left: 178,
  knee_right: 178,
  ankle_left: 95,
  ankle_right: 95,
  shoulder_left: 8,
  shoulder_right: 8,
  elbow_left: 170,
  elbow_right: 170,
};

const SEG = { half: 0.15, trunk: 0.52, neck: 0.2, thigh: 0.45, shank: 0.43, foot: 0.2 };
const ARM = { upper: 0.3, fore: 0.27, hand: 0.08 };
const RAD = Math.PI / 180;

const add = (a: Vec, b: Vec): Vec => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const mul = (a: Vec, k: number): Vec => [a[0] * k, a[1] * k, a[2] * k];
const dot = (a: Vec, b: Vec) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const unit = (a: Vec): Vec => mul(a, 1 / Math.sqrt(dot(a, a)));
const cross = (a: Vec, b: Vec): Vec => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

/** The unit vector at `deg` from `from`, turned towards the first usable `towards`. */
function bend(from: Vec, deg: number, ...towards: Vec[]): Vec {
  const f = unit(from);
  for (const t of towards) {
    const perp = add(t, mul(f, -dot(t, f)));
    if (dot(perp, perp) > 1e-6) {
      return add(mul(f, Math.cos(deg * RAD)), mul(unit(perp), Math.sin(deg * RAD)));
    }
  }
  throw new Error("bend: no usable direction");
}

/** Rodrigues rotation of v about unit axis k. */
function rotate(v: Vec, k: Vec, deg: number): Vec {
  const c = Math.cos(deg * RAD);
  const s = Math.sin(deg * RAD);
  return add(add(mul(v, c), mul(cross(k, v), s)), mul(k, dot(k, v) * (1 - c)));
}

/** The 33 BlazePose points of a pose, in metres (body axes). */
export function skeleton(p: Pose): Vec[] {
  const th = p.trunk_lean * RAD;
  const up = unit([Math.tan((p.trunk_side ?? 0) * RAD), Math.cos(th), Math.sin(th)]);
  const ant = unit(
    add([0, -Math.sin(th), Math.cos(th)], mul(up, -dot([0, -Math.sin(th), Math.cos(th)], up))),
  );
  const lat = cross(up, ant);
  const line = (tilt = 0) => add(mul(lat, Math.cos(tilt * RAD)), mul(up, Math.sin(tilt * RAD)));
  const hipLine = mul(line(p.hip_tilt), SEG.half);
  const shLine = mul(line(p.shoulder_tilt), SEG.half);
  const hipL = hipLine;
  const hipR = mul(hipLine, -1);
  const shMid = mul(up, SEG.trunk);
  const shL = add(shMid, shLine);
  const shR = add(shMid, mul(shLine, -1));
  const pts: Vec[] = new Array(33).fill([0, 0, 0]);
  // Head: ear midpoint above the shoulders, tipped forward by head_forward.
  const neck = bend(up, p.head_forward ?? 0, ant);
  const ear = add(shMid, mul(neck, SEG.neck));
  const face = (f: number, u: number, l: number): Vec =>
    add(add(add(ear, mul(ant, f)), mul(up, u)), mul(lat, l));
  pts[0] = face(0.1, -0.01, 0);
  pts[1] = face(0.08, 0.02, 0.02);
  pts[2] = face(0.08, 0.02, 0.035);
  pts[3] = face(0.08, 0.02, 0.05);
  pts[4] = face(0.08, 0.02, -0.02);
  pts[5] = face(0.08, 0.02, -0.035);
  pts[6] = face(0.08, 0.02, -0.05);
  pts[7] = face(0, 0, 0.075);
  pts[8] = face(0, 0, -0.075);
  pts[9] = face(0.08, -0.05, 0.025);
  pts[10] = face(0.08, -0.05, -0.025);
  pts[11] = shL;
  pts[12] = shR;
  pts[23] = hipL;
  pts[24] = hipR;
  // Arms: upper arm at `shoulder` degrees from the trunk line, forearm at `elbow` from it.
  for (const [side, sh, s] of [
    [1, shL, "left"],
    [-1, shR, "right"],
  ] as const) {
    const plane = p.arms_frontal ? mul(lat, side) : ant;
    const upper = bend(mul(up, -1), p[`shoulder_${s}`], plane, ant);
    const elbow = add(sh, mul(upper, ARM.upper));
    const fore = bend(mul(upper, -1), p[`elbow_${s}`], ant, up, plane);
    const wrist = add(elbow, mul(fore, ARM.fore));
    const hand = add(wrist, mul(fore, ARM.hand));
    const o = side === 1 ? 0 : 1;
    pts[13 + o] = elbow;
    pts[15 + o] = wrist;
    pts[17 + o] = add(hand, mul(lat, -0.02 * side));
    pts[19 + o] = hand;
    pts[21 + o] = add(wrist, add(mul(fore, 0.04), mul(ant, 0.03)));
  }
  // Legs: thigh at `hip` degrees from the trunk line, shank at `knee`, foot at `ankle`.
  for (const [side, hip, s] of [
    [1, hipL, "left"],
    [-1, hipR, "right"],
  ] as const) {
    const behind = s === "right" && p.right_thigh_behind;
    const thigh = bend(up, p[`hip_${s}`], behind ? mul(ant, -1) : ant, mul(up, -1));
    let knee = add(hip, mul(thigh, SEG.thigh));
    const shank = bend(mul(thigh, -1), p[`knee_${s}`], mul(add(up, ant), -1), mul(up, -1));
    const ankle = add(knee, mul(shank, SEG.shank));
    const valgus = p[`valgus_${s}`] ?? 0;
    if (valgus) {
      const axis = unit(add(ankle, mul(hip, -1)));
      const rel = add(knee, mul(hip, -1));
      const a = add(hip, rotate(rel, axis, valgus));
      const b = add(hip, rotate(rel, axis, -valgus));
      // Medial is towards the other hip: −lat for the left leg, +lat for the right.
      knee = dot(a, lat) * side < dot(b, lat) * side ? a : b;
    }
    const toKnee = unit(add(knee, mul(ankle, -1)));
    const foot = bend(toKnee, p[`ankle_${s}`], ant, mul(up, -1));
    const o = side === 1 ? 0 : 1;
    pts[25 + o] = knee;
    pts[27 + o] = ankle;
    pts[29 + o] = add(ankle, add(mul(foot, -0.05), mul(toKnee, -0.03)));
    pts[31 + o] = add(ankle, mul(foot, SEG.foot));
  }
  return pts;
}

export type View = "side" | "front";
export type Camera = { view: View; width: number; height: number };

/** Seeded RNG (mulberry32) with a Gaussian helper. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  return { next, gauss };
}

export type RenderOptions = {
  camera: Camera;
  world?: boolean;
  /** Gaussian noise on image landmarks, pixels (world landmarks get the same in metres). */
  noisePx?: number;
  /** Chance per frame that the whole body drops below the visibility threshold. */
  dropout?: number;
  seed?: number;
};

/** Projects a pose to a PoseFrame as MediaPipe would report it for this camera. */
export function render(
  pose: Pose,
  timestamp: number,
  o: RenderOptions,
  random = rng(o.seed ?? 1),
): PoseFrame {
  const { width, height, view } = o.camera;
  const s = (0.8 * Math.min(width, height)) / 2; // pixels per metre
  const pts = skeleton(pose);
  // Image axes (right, down) and depth (away) for each view, in body axes.
  const right: Vec = view === "side" ? [0, 0, 1] : [1, 0, 0];
  const away: Vec = view === "side" ? [-1, 0, 0] : [0, 0, -1];
  const down: Vec = [0, -1, 0];
  const dropped = (o.dropout ?? 0) > 0 && random.next() < o.dropout!;
  const noise = () => (o.noisePx ? random.gauss() * o.noisePx : 0);
  const landmarks: Landmark[] = pts.map((p) => ({
    x: (width / 2 + s * dot(p, right) + noise()) / width,
    y: (height / 2 + s * dot(p, down) + noise()) / height,
    z: (s * dot(p, away)) / width,
    visibility: dropped ? 0.1 : 0.99,
  }));
  const frame: PoseFrame = { timestamp, landmarks };
  if (o.world) {
    frame.world_landmarks = pts.map((p) => ({
      x: dot(p, right) + noise() / s,
      y: dot(p, down) + noise() / s,
      z: dot(p, away) + noise() / s,
      visibility: dropped ? 0.1 : 0.99,
    }));
  }
  return frame;
}
