/**
 * The live room's hot path check of `frames` messages: the same rules as `PoseFrameInput` (zod,
 * used by `POST /sessions/{id}/data`), written as flat numeric loops.
 *
 * Why not zod here: at 30 fps × 50 devices the room parses 1,500 frames of 33 landmarks a second,
 * and zod's per-landmark object parsing (a fresh object per landmark, issue bookkeeping) was the
 * room's largest cost. This checks the parsed JSON in place and allocates only when it refuses.
 * Invariant: whatever passes here also passes `PoseFrameInput` (test/live/live-frames.test.ts
 * compares both on the same good and bad frames), and errors name the field as zod would
 * (`frames.0.landmarks.3.x`). Unknown keys are left in place; nothing downstream reads them
 * (frames are packed field by field, watchers get rebuilt landmarks). A landmark's optional `type`
 * must also be its BlazePose name in order, as the storage verb requires (pose.validate.ts): a
 * frame the room accepts is never refused when its chunk is stored.
 */
import { BLAZEPOSE_LANDMARKS } from "../src/analysis/landmarks";
import { LANDMARK_COUNT } from "../src/modules/sessions/pose.schemas";
import type { PoseFrameInput } from "../src/modules/sessions/pose.schemas";
import { MAX_FRAMES_PER_MESSAGE } from "../src/realtime/live-session.schemas";

export type FieldError = { field: string; message: string };
export type FramesMessage = {
  type: "frames";
  frames: PoseFrameInput[];
  frame_size?: { width: number; height: number };
};

const MAX_DETAILS = 10;
const LANDMARK_TYPE = /^[A-Z_]{1,40}$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const inRange = (v: unknown, min: number, max: number): boolean =>
  typeof v === "number" && v >= min && v <= max; // NaN fails both comparisons

/** Checks 33 landmarks; returns the first bad field's path suffix and message, or null. */
function checkLandmarks(list: unknown): FieldError | null {
  if (!Array.isArray(list) || list.length !== LANDMARK_COUNT) {
    return {
      field: "",
      message: `Exactly ${LANDMARK_COUNT} BlazePose landmarks, in BlazePose order`,
    };
  }
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const l = list[i];
    if (!isObject(l)) return { field: `.${i}`, message: "Expected an object" };
    if (!inRange(l.x, -100, 100)) return { field: `.${i}.x`, message: "A number in [-100, 100]" };
    if (!inRange(l.y, -100, 100)) return { field: `.${i}.y`, message: "A number in [-100, 100]" };
    if (!inRange(l.z, -100, 100)) return { field: `.${i}.z`, message: "A number in [-100, 100]" };
    if (!inRange(l.visibility, 0, 1)) {
      return { field: `.${i}.visibility`, message: "A number in [0, 1]" };
    }
    if (l.type !== undefined && l.type !== BLAZEPOSE_LANDMARKS[i]) {
      const named = typeof l.type === "string" && LANDMARK_TYPE.test(l.type);
      return {
        field: `.${i}.type`,
        message: named ? `Landmark ${i} is ${BLAZEPOSE_LANDMARKS[i]}` : "A BlazePose landmark name",
      };
    }
  }
  return null;
}

/** The optional client extras (rare on the live path): angles, quality_score, form_issues. */
function checkExtras(f: Record<string, unknown>, at: string, errors: FieldError[]) {
  if (f.angles !== undefined) {
    const ok =
      isObject(f.angles) &&
      Object.entries(f.angles).every(([k, v]) => k.length <= 40 && inRange(v, -1e308, 1e308));
    if (!ok) errors.push({ field: `${at}.angles`, message: "Joint names to finite numbers" });
  }
  if (f.quality_score !== undefined && !inRange(f.quality_score, 0, 1)) {
    errors.push({ field: `${at}.quality_score`, message: "A number in [0, 1]" });
  }
  if (f.form_issues !== undefined) {
    const limits = { type: 60, joint: 40, message: 300, severity: 20 } as const;
    const ok =
      Array.isArray(f.form_issues) &&
      f.form_issues.length <= 20 &&
      f.form_issues.every(
        (issue) =>
          isObject(issue) &&
          (Object.keys(limits) as (keyof typeof limits)[]).every(
            (k) =>
              issue[k] === undefined ||
              (typeof issue[k] === "string" && (issue[k] as string).length <= limits[k]),
          ),
      );
    if (!ok) errors.push({ field: `${at}.form_issues`, message: "At most 20 short issues" });
  }
}

/**
 * Checks a parsed `{ type: "frames", … }` message. Returns the message (the same object, typed)
 * or the bad fields (at most ten).
 */
export function checkFramesMessage(
  msg: Record<string, unknown>,
): { ok: true; value: FramesMessage } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const frames = msg.frames;
  if (!Array.isArray(frames) || frames.length < 1 || frames.length > MAX_FRAMES_PER_MESSAGE) {
    errors.push({ field: "frames", message: `1 to ${MAX_FRAMES_PER_MESSAGE} frames` });
    return { ok: false, errors };
  }
  for (let i = 0; i < frames.length && errors.length < MAX_DETAILS; i++) {
    const f = frames[i];
    const at = `frames.${i}`;
    if (!isObject(f)) {
      errors.push({ field: at, message: "Expected an object" });
      continue;
    }
    if (!inRange(f.timestamp, 0, 1e13)) {
      errors.push({ field: `${at}.timestamp`, message: "Milliseconds in [0, 1e13]" });
    }
    const bad = checkLandmarks(f.landmarks);
    if (bad) errors.push({ field: `${at}.landmarks${bad.field}`, message: bad.message });
    if (f.world_landmarks !== undefined) {
      const badWorld = checkLandmarks(f.world_landmarks);
      if (badWorld) {
        errors.push({ field: `${at}.world_landmarks${badWorld.field}`, message: badWorld.message });
      }
    }
    if (f.angles !== undefined || f.quality_score !== undefined || f.form_issues !== undefined) {
      checkExtras(f, at, errors);
    }
  }
  let frameSize: Size | undefined;
  if (msg.frame_size !== undefined) {
    frameSize = checkFrameSize(msg.frame_size);
    if (!frameSize) {
      errors.push({ field: "frame_size", message: "width and height in pixels, 16–16384" });
    }
  }
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, MAX_DETAILS) };
  return {
    ok: true,
    value: {
      type: "frames",
      frames: frames as PoseFrameInput[],
      ...(frameSize && { frame_size: frameSize }),
    },
  };
}

type Size = { width: number; height: number };

const isPixels = (v: unknown) =>
  Number.isInteger(v) && (v as number) >= 16 && (v as number) <= 16384;

/**
 * FrameSize's rules (sessions.schemas.ts) without zod: devices send the size with every message,
 * and a zod object parse per message was a tenth of the room's time (profiled). Returns a copy
 * holding only width and height, as zod would.
 */
function checkFrameSize(v: unknown): Size | undefined {
  if (!isObject(v) || !isPixels(v.width) || !isPixels(v.height)) return undefined;
  return { width: v.width as number, height: v.height as number };
}
