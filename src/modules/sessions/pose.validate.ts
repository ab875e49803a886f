/**
 * The hot path of `POST /sessions/{id}/data`: a hand-written check of a parsed chunk body that
 * writes the numbers straight into typed arrays. A 300-frame chunk holds 9,900 landmark objects;
 * zod built a copy of each (2-3 times the cost of JSON.parse of the body, measured), this reads
 * each value once. The rules are PoseChunkInput's (pose.schemas.ts, which documents the body in
 * OpenAPI), plus the BlazePose names check, and bad fields are named with zod's paths
 * (`frames.3.landmarks.5.x`). The rare parts (client values, frame_size, summary) go through
 * their zod schemas. `test/sessions/pose-validate.test.ts` checks both agree.
 */
import { BLAZEPOSE_LANDMARKS } from "../../analysis/landmarks";
import { ValidationError, type FieldIssue } from "../../lib/errors";
import { fieldIssues } from "../../lib/openapi";
import {
  ChunkExtras,
  ClientBits,
  LANDMARK_COUNT,
  MAX_FRAMES_PER_CHUNK,
  type ClientBitsInput,
} from "./pose.schemas";

/** Values per frame: 33 landmarks × (x, y, z, visibility). */
export const VALUES_PER_FRAME = LANDMARK_COUNT * 4;
/** More named fields than this help nobody; the check stops there. */
const MAX_ISSUES = 20;
const COORD = 100;
const NAME = /^[A-Z_]{1,40}$/;

/** A validated chunk: frame i's landmarks are `landmarks[i*132 .. i*132+132]`. */
export type ParsedChunk = {
  count: number;
  timestamps: Float64Array;
  landmarks: Float64Array;
  /** World landmarks; NaN for a frame sent without them (never a valid value). Null if none. */
  world: Float64Array | null;
  /** Client-sent values per frame (stored, never trusted); null when no frame has any. */
  client: (ClientBitsInput | null)[] | null;
  frame_size?: { width: number; height: number };
  chunk_index?: number;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

class Issues {
  list: FieldIssue[] = [];
  add(field: string, message: string) {
    if (this.list.length < MAX_ISSUES) this.list.push({ field, message });
  }
  get full() {
    return this.list.length >= MAX_ISSUES;
  }
}

/** Copies 33 landmarks into `out` at `at`; false (with issues named) when any is bad. */
function readLandmarks(
  value: unknown,
  out: Float64Array,
  at: number,
  path: string,
  issues: Issues,
): boolean {
  if (!Array.isArray(value)) {
    issues.add(path, "Expected an array of landmarks");
    return false;
  }
  if (value.length !== LANDMARK_COUNT) {
    issues.add(path, `Exactly ${LANDMARK_COUNT} BlazePose landmarks, in BlazePose order`);
    return false;
  }
  let ok = true;
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const l = value[i];
    if (!isObject(l)) {
      issues.add(`${path}.${i}`, "Expected a landmark object");
      ok = false;
      continue;
    }
    const { x, y, z, visibility, type } = l;
    const o = at + i * 4;
    // `v >= -COORD && v <= COORD` is false for NaN and for non-numbers compared as numbers, so
    // the typeof check only runs to word the message.
    if (typeof x === "number" && x >= -COORD && x <= COORD) out[o] = x;
    else ok = badNumber(issues, `${path}.${i}.x`, x);
    if (typeof y === "number" && y >= -COORD && y <= COORD) out[o + 1] = y;
    else ok = badNumber(issues, `${path}.${i}.y`, y);
    if (typeof z === "number" && z >= -COORD && z <= COORD) out[o + 2] = z;
    else ok = badNumber(issues, `${path}.${i}.z`, z);
    if (typeof visibility === "number" && visibility >= 0 && visibility <= 1) {
      out[o + 3] = visibility;
    } else {
      ok = badNumber(issues, `${path}.${i}.visibility`, visibility, 0, 1);
    }
    if (type !== undefined) {
      if (typeof type !== "string" || !NAME.test(type)) {
        issues.add(`${path}.${i}.type`, "Expected a landmark name like LEFT_KNEE");
        ok = false;
      } else if (type !== BLAZEPOSE_LANDMARKS[i]) {
        issues.add(
          `${path}.${i}.type`,
          `Landmark ${i} is ${BLAZEPOSE_LANDMARKS[i]} in BlazePose order`,
        );
        ok = false;
      }
    }
    if (issues.full) return false;
  }
  return ok;
}

function badNumber(issues: Issues, field: string, v: unknown, min = -COORD, max = COORD) {
  if (v === undefined) issues.add(field, "Required");
  else if (typeof v !== "number") issues.add(field, "Expected a number");
  else issues.add(field, `Must be a finite number between ${min} and ${max}`);
  return false;
}

/**
 * Validates a parsed `POST /sessions/{id}/data` body into typed arrays.
 * @throws ValidationError naming every bad field (at most 20).
 */
export function parsePoseChunk(body: unknown): ParsedChunk {
  if (!isObject(body))
    throw new ValidationError([{ field: "body", message: "Expected an object" }]);
  const issues = new Issues();
  const extras = ChunkExtras.safeParse({
    frame_size: body.frame_size,
    chunk_index: body.chunk_index,
    summary_statistics: body.summary_statistics,
  });
  if (!extras.success) for (const i of fieldIssues(extras.error)) issues.add(i.field, i.message);
  const frames = body.frames;
  if (!Array.isArray(frames) || frames.length < 1 || frames.length > MAX_FRAMES_PER_CHUNK) {
    issues.add("frames", `Expected an array of 1 to ${MAX_FRAMES_PER_CHUNK} frames`);
    throw new ValidationError(issues.list);
  }
  const n = frames.length;
  const timestamps = new Float64Array(n);
  const landmarks = new Float64Array(n * VALUES_PER_FRAME);
  let world: Float64Array | null = null;
  let client: (ClientBitsInput | null)[] | null = null;
  for (let f = 0; f < n && !issues.full; f++) {
    const frame = frames[f];
    const path = `frames.${f}`;
    if (!isObject(frame)) {
      issues.add(path, "Expected a frame object");
      continue;
    }
    const t = frame.timestamp;
    if (typeof t === "number" && t >= 0 && t <= 1e13) {
      timestamps[f] = t;
      if (f > 0 && !(t > timestamps[f - 1]!)) {
        issues.add(`${path}.timestamp`, "Timestamps must increase strictly within a chunk");
      }
    } else badNumber(issues, `${path}.timestamp`, t, 0, 1e13);
    readLandmarks(frame.landmarks, landmarks, f * VALUES_PER_FRAME, `${path}.landmarks`, issues);
    if (frame.world_landmarks !== undefined) {
      world ??= new Float64Array(n * VALUES_PER_FRAME).fill(NaN);
      const at = f * VALUES_PER_FRAME;
      readLandmarks(frame.world_landmarks, world, at, `${path}.world_landmarks`, issues);
    }
    if (
      frame.angles !== undefined ||
      frame.quality_score !== undefined ||
      frame.form_issues !== undefined
    ) {
      const bits = ClientBits.safeParse({
        angles: frame.angles,
        quality_score: frame.quality_score,
        form_issues: frame.form_issues,
      });
      if (!bits.success)
        for (const i of fieldIssues(bits.error, path)) issues.add(i.field, i.message);
      else
        (client ??= new Array<ClientBitsInput | null>(n).fill(null))[f] = withoutUndefined(
          bits.data,
        );
    }
  }
  if (issues.list.length > 0) throw new ValidationError(issues.list);
  return {
    count: n,
    timestamps,
    landmarks,
    world,
    client,
    ...(extras.data!.frame_size && { frame_size: extras.data!.frame_size }),
    ...(extras.data!.chunk_index !== undefined && { chunk_index: extras.data!.chunk_index }),
  };
}

const withoutUndefined = (bits: ClientBitsInput): ClientBitsInput =>
  Object.fromEntries(Object.entries(bits).filter(([, v]) => v !== undefined)) as ClientBitsInput;
