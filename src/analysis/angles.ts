/**
 * Joint angles from one pose frame, following the conventions in
 * src/modules/exercise-types/exercise-types.analysis.ts.
 *
 * Geometry: world landmarks (metres, 3D) when the frame has them; otherwise image landmarks in
 * 2D with x scaled by the frame's aspect ratio (normalised x and y are fractions of different
 * lengths on a 720×1280 portrait video); without a frame size the frame is taken as square.
 * Image z is left out: MediaPipe's image depth is too noisy for angles, and on a side view
 * (how sagittal exercises are filmed) the 2D angle is the true one.
 */
import type { Joint } from "../modules/exercise-types/exercise-types.analysis";
import { LM, VISIBILITY_THRESHOLD, type FrameSize, type PoseFrame } from "./landmarks";
import { angleAt, angleBetween, dot, mid, norm, scale, sub, type Vec } from "./vec";

/** Every joint, in the catalog's order (kept in step with JOINTS by the type below). */
export const ALL_JOINTS = [
  "elbow_left",
  "elbow_right",
  "shoulder_left",
  "shoulder_right",
  "hip_left",
  "hip_right",
  "knee_left",
  "knee_right",
  "ankle_left",
  "ankle_right",
  "trunk_lean",
] as const satisfies readonly Joint[];

/** Per-frame measurements: the joints, then the knees' frontal-plane valgus angles. */
export const CHANNELS = [...ALL_JOINTS, "valgus_left", "valgus_right"] as const;
export type Channel = (typeof CHANNELS)[number];
export const CH = Object.fromEntries(CHANNELS.map((c, i) => [c, i])) as {
  readonly [K in Channel]: number;
};

/** Three landmarks whose middle one is the joint's vertex. */
const TRIPLES: [number, number, number][] = [
  [LM.LEFT_SHOULDER, LM.LEFT_ELBOW, LM.LEFT_WRIST],
  [LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW, LM.RIGHT_WRIST],
  [LM.LEFT_HIP, LM.LEFT_SHOULDER, LM.LEFT_ELBOW],
  [LM.RIGHT_HIP, LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW],
  [LM.LEFT_SHOULDER, LM.LEFT_HIP, LM.LEFT_KNEE],
  [LM.RIGHT_SHOULDER, LM.RIGHT_HIP, LM.RIGHT_KNEE],
  [LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE],
  [LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE],
  [LM.LEFT_KNEE, LM.LEFT_ANKLE, LM.LEFT_FOOT_INDEX],
  [LM.RIGHT_KNEE, LM.RIGHT_ANKLE, LM.RIGHT_FOOT_INDEX],
];

/** The landmarks any measurement reads (the face and hands are never needed). */
const USED = [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28, 31, 32];

/** Image y points down in both landmark spaces. */
const UP: Vec = [0, -1, 0];
/** A 2D hip line shorter than this share of the thigh means a side view: valgus is unseen. */
const MIN_FRONTAL_RATIO = 0.25;
/**
 * Frontal projections of thigh and shank shorter than this share of their length (3D), or of
 * the hip width (2D, where true lengths are unknown), are too foreshortened for a valgus angle.
 */
const MIN_FORESHORTENING = 0.5;

export type AngleSource = "world" | "image";

/** Width over height of the frame; 1 (square) when unknown or invalid. */
export function aspectOf(frameSize?: FrameSize): number {
  if (!frameSize || !(frameSize.width > 0) || !(frameSize.height > 0)) return 1;
  return frameSize.width / frameSize.height;
}

/**
 * Fills `out` (length CHANNELS.length) with the frame's measurements in degrees, NaN where a
 * landmark is missing, not finite or below the visibility threshold. Returns the source used.
 */
export function measureFrame(frame: PoseFrame, aspect: number, out: Float64Array): AngleSource {
  const img = frame.landmarks;
  const world = frame.world_landmarks;
  const useWorld = Array.isArray(world) && world.length >= 33;
  const pts: (Vec | null)[] = new Array(33).fill(null);
  for (const i of USED) {
    const l = img[i];
    const w = useWorld ? world[i] : l;
    if (!l || !w || !(l.visibility >= VISIBILITY_THRESHOLD)) {
      pts[i] = null;
      continue;
    }
    const p: Vec = useWorld ? [w.x, w.y, w.z] : [w.x * aspect, w.y, 0];
    pts[i] = Number.isFinite(p[0] + p[1] + p[2]) ? p : null;
  }
  for (let j = 0; j < TRIPLES.length; j++) {
    const [a, b, c] = TRIPLES[j]!;
    const pa = pts[a];
    const pb = pts[b];
    const pc = pts[c];
    out[j] = pa && pb && pc ? angleAt(pa, pb, pc) : NaN;
  }
  out[CH.trunk_lean] = trunkLean(pts);
  out[CH.valgus_left] = valgus(pts, LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE, 1, useWorld);
  out[CH.valgus_right] = valgus(pts, LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE, -1, useWorld);
  return useWorld ? "world" : "image";
}

/** Hip midpoint → shoulder midpoint against vertical; one side alone when the other is unseen. */
function trunkLean(pts: (Vec | null)[]): number {
  const ls = pts[LM.LEFT_SHOULDER];
  const rs = pts[LM.RIGHT_SHOULDER];
  const lh = pts[LM.LEFT_HIP];
  const rh = pts[LM.RIGHT_HIP];
  if (ls && rs && lh && rh) return angleBetween(sub(mid(ls, rs), mid(lh, rh)), UP);
  if (ls && lh) return angleBetween(sub(ls, lh), UP);
  if (rs && rh) return angleBetween(sub(rs, rh), UP);
  return NaN;
}

/**
 * Knee valgus: in the frontal plane (the hip line and vertical), 180° minus the hip–knee–ankle
 * angle, positive when the knee sits medial of the hip–ankle line, negative (varus) otherwise.
 * `side` is +1 for the left leg (whose medial side is towards the right hip), −1 for the right.
 */
function valgus(
  pts: (Vec | null)[],
  hipI: number,
  kneeI: number,
  ankleI: number,
  side: 1 | -1,
  is3d: boolean,
): number {
  const lh = pts[LM.LEFT_HIP];
  const rh = pts[LM.RIGHT_HIP];
  const hip = pts[hipI];
  const knee = pts[kneeI];
  const ankle = pts[ankleI];
  if (!lh || !rh || !hip || !knee || !ankle) return NaN;
  const lateral = sub(lh, rh);
  const width = norm(lateral);
  if (!(width > 0)) return NaN;
  if (!is3d && width < MIN_FRONTAL_RATIO * norm(sub(knee, hip))) return NaN;
  const L = scale(lateral, 1 / width);
  const upPart = sub(UP, scale(L, dot(UP, L)));
  const upLen = norm(upPart);
  if (!(upLen > 1e-6)) return NaN;
  const V = scale(upPart, 1 / upLen);
  const flat = (p: Vec): Vec => [dot(p, L), dot(p, V), 0];
  const h = flat(hip);
  const k = flat(knee);
  const a = flat(ankle);
  // A thigh or shank pointing at the camera (wall sit, the back leg of a lunge) shows no
  // frontal-plane angle: its projection must keep a fair share of its length.
  const thigh2 = norm(sub(k, h));
  const shank2 = norm(sub(a, k));
  const minLen = is3d ? MIN_FORESHORTENING : MIN_FORESHORTENING * width;
  if (thigh2 < minLen * (is3d ? norm(sub(knee, hip)) : 1)) return NaN;
  if (shank2 < minLen * (is3d ? norm(sub(ankle, knee)) : 1)) return NaN;
  if (Math.abs(a[1] - h[1]) < 1e-9) return NaN;
  const lineU = h[0] + ((a[0] - h[0]) * (k[1] - h[1])) / (a[1] - h[1]);
  const deviation = 180 - angleAt(h, k, a);
  const medial = side * (lineU - k[0]);
  return medial >= 0 ? deviation : -deviation;
}

/**
 * Joint angles of one frame in degrees. Joints whose landmarks are unseen are absent.
 * @param frameSize pixels of the frame the normalised landmarks refer to (ignored with world landmarks)
 */
export function jointAngles(
  frame: PoseFrame,
  frameSize?: FrameSize,
): Partial<Record<Joint, number>> {
  const out = new Float64Array(CHANNELS.length);
  measureFrame(frame, aspectOf(frameSize), out);
  const angles: Partial<Record<Joint, number>> = {};
  ALL_JOINTS.forEach((joint, i) => {
    const v = out[i]!;
    if (!Number.isNaN(v)) angles[joint] = v;
  });
  return angles;
}
