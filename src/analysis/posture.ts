/**
 * Static posture score (0–100) from one pose: head forward of the shoulders, shoulder tilt, trunk
 * lean and hip tilt. Each part costs up to 25 points, growing linearly from a tolerance that
 * normal standing sway stays within to a limit that is clearly poor posture. Parts whose
 * landmarks are unseen (or that the camera angle cannot show) have value null and cost nothing.
 */
import { aspectOf } from "./angles";
import { LM, VISIBILITY_THRESHOLD, type FrameSize, type Landmark } from "./landmarks";
import { DEG, angleBetween, mid, norm, sub, type Vec } from "./vec";

export type PosturePart = { value: number | null; penalty: number };
export type PostureResult = {
  score: number;
  parts: {
    head_forward: PosturePart;
    shoulder_tilt: PosturePart;
    trunk_lean: PosturePart;
    hip_tilt: PosturePart;
  };
  cues: { code: string; message: string }[];
};

const PART_MAX = 25;
/** Degrees: [no penalty up to, full penalty from]. */
const LIMITS = {
  head_forward: [10, 35],
  shoulder_tilt: [3, 12],
  trunk_lean: [5, 25],
  hip_tilt: [3, 12],
} as const;
const MESSAGES = {
  head_forward: "Bring your head back over your shoulders",
  shoulder_tilt: "Level your shoulders",
  trunk_lean: "Stand up straight",
  hip_tilt: "Level your hips",
} as const;
/** A left–right line shorter than this share of the torso is seen edge-on: its tilt is unknown. */
const MIN_WIDTH_RATIO = 0.2;

type Part = keyof typeof LIMITS;

/**
 * Scores a standing posture from 33 BlazePose image landmarks.
 * @param frameSize pixels of the image (normalised x is scaled by its aspect ratio; square if absent)
 */
export function postureScore(landmarks: Landmark[], frameSize?: FrameSize): PostureResult {
  const aspect = aspectOf(frameSize);
  const at = (i: number): Vec | null => {
    const l = landmarks?.[i];
    if (!l || !(l.visibility >= VISIBILITY_THRESHOLD)) return null;
    const p: Vec = [l.x * aspect, l.y, 0];
    return Number.isFinite(p[0] + p[1]) ? p : null;
  };
  const ls = at(LM.LEFT_SHOULDER);
  const rs = at(LM.RIGHT_SHOULDER);
  const lh = at(LM.LEFT_HIP);
  const rh = at(LM.RIGHT_HIP);
  const shoulders = ls && rs ? mid(ls, rs) : (ls ?? rs);
  const hips = lh && rh ? mid(lh, rh) : (lh ?? rh);
  const torso = shoulders && hips ? norm(sub(shoulders, hips)) : NaN;

  const values: Record<Part, number | null> = {
    head_forward: headForward(at, shoulders, torso),
    shoulder_tilt: tilt(ls, rs, torso),
    trunk_lean: shoulders && hips ? angleBetween(sub(shoulders, hips), [0, -1, 0]) : null,
    hip_tilt: tilt(lh, rh, torso),
  };
  const parts = {} as PostureResult["parts"];
  const cues: PostureResult["cues"] = [];
  let score = 100;
  let seen = 0;
  for (const part of Object.keys(LIMITS) as Part[]) {
    const v = values[part];
    const [tol, full] = LIMITS[part];
    const value = v === null || Number.isNaN(v) ? null : Math.round(v * 10) / 10;
    const penalty =
      value === null ? 0 : Math.round(PART_MAX * clamp01((value - tol) / (full - tol)) * 10) / 10;
    if (value !== null) seen++;
    if (penalty > 0) cues.push({ code: part, message: MESSAGES[part] });
    parts[part] = { value, penalty };
    score -= penalty;
  }
  if (seen === 0) {
    return { score: 0, parts, cues: [{ code: "not_visible", message: "Body not visible enough" }] };
  }
  return { score: Math.round(Math.max(0, score) * 10) / 10, parts, cues };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Degrees from horizontal of a left–right pair, null when edge-on or unseen. */
function tilt(a: Vec | null, b: Vec | null, torso: number): number | null {
  if (!a || !b) return null;
  const dx = Math.abs(a[0] - b[0]);
  const dy = Math.abs(a[1] - b[1]);
  if (Number.isFinite(torso) && Math.hypot(dx, dy) < MIN_WIDTH_RATIO * torso) return null;
  return Math.atan2(dy, dx) * DEG;
}

/**
 * The shoulder → ear line against vertical, counted only when the ear is on the side the nose
 * faces (forward); an ear behind the shoulder line is not a forward head.
 */
function headForward(
  at: (i: number) => Vec | null,
  shoulders: Vec | null,
  torso: number,
): number | null {
  const le = at(LM.LEFT_EAR);
  const re = at(LM.RIGHT_EAR);
  const nose = at(LM.NOSE);
  const ear = le && re ? mid(le, re) : (le ?? re);
  if (!ear || !shoulders) return null;
  // Both ears far apart: the camera is in front, and forward head posture needs a side view.
  if (le && re && norm(sub(le, re)) > MIN_WIDTH_RATIO * torso) return null;
  const v = sub(ear, shoulders);
  const angle = angleBetween(v, [0, -1, 0]);
  if (!nose) return angle;
  const facing = Math.sign(nose[0] - ear[0]);
  return facing !== 0 && Math.sign(v[0]) !== facing ? 0 : angle;
}
