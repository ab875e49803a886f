/**
 * The compact binary body of `POST /sessions/{id}/data`, beside JSON: the same frames in float32
 * instead of decimal text, so a chunk carries about four times the frames in the same 1 MB body
 * limit (536 bytes a frame against ~2.3 KB of JSON), and parsing is a bounds check per value
 * instead of JSON.parse. Validated by the same rules as the JSON body (pose.validate.ts), with
 * the same field names in errors (`frames.3.landmarks.5.x`), into the same ParsedChunk, so what
 * is stored does not depend on how it was sent.
 *
 * Content-Type: application/vnd.rehab-edge.pose-chunk; little-endian:
 *   0  u8   version (1)             1  u8   flags: 1 world landmarks, 2 frame size, 4 chunk index
 *   2  u16  reserved (0)            4  u32  frame count n
 *   8  u32  chunk index (flag 4)    12 u16  frame width, 14 u16 frame height (flag 2)
 *   16 f64[n]       timestamps, ms, strictly increasing
 *   .. f32[n*132]   landmarks: 33 per frame in BlazePose order, each x, y, z, visibility
 *   .. f32[n*132]   world landmarks when flagged; a frame sent without them is all NaN
 * Client-computed values (angles, quality, form issues) and summary statistics travel in JSON only.
 */
import { ValidationError } from "../../lib/errors";
import { fieldIssues } from "../../lib/openapi";
import { ChunkExtras, LANDMARK_COUNT, MAX_FRAMES_PER_CHUNK } from "./pose.schemas";
import { VALUES_PER_FRAME, type ParsedChunk } from "./pose.validate";

export const POSE_CHUNK_MEDIA_TYPE = "application/vnd.rehab-edge.pose-chunk";

const VERSION = 1;
const WORLD = 1;
const FRAME_SIZE = 2;
const CHUNK_INDEX = 4;
const HEADER = 16;
const MAX_ISSUES = 20;
const COORD = 100;
const FIELDS = ["x", "y", "z", "visibility"] as const;

/** The byte length of a body holding `n` frames with the given flags. */
export const wireLength = (n: number, flags: number) =>
  HEADER + n * 8 + n * VALUES_PER_FRAME * 4 * (flags & WORLD ? 2 : 1);

const fail = (field: string, message: string): never => {
  throw new ValidationError([{ field, message }]);
};

/**
 * Validates a binary chunk body into the stored form.
 * @throws ValidationError naming the bad fields (at most 20), as the JSON body's check does.
 */
export function parseWireChunk(buffer: ArrayBuffer): ParsedChunk {
  if (buffer.byteLength < HEADER) fail("body", `Expected at least a ${HEADER}-byte header`);
  const view = new DataView(buffer);
  const version = view.getUint8(0);
  if (version !== VERSION) fail("body.version", `Unsupported version ${version}; send ${VERSION}`);
  const flags = view.getUint8(1);
  if ((flags & ~(WORLD | FRAME_SIZE | CHUNK_INDEX)) !== 0 || view.getUint16(2, true) !== 0) {
    fail("body.flags", "Unknown flags or a non-zero reserved field");
  }
  const n = view.getUint32(4, true);
  if (n < 1 || n > MAX_FRAMES_PER_CHUNK) {
    fail("frames", `Expected 1 to ${MAX_FRAMES_PER_CHUNK} frames`);
  }
  const expected = wireLength(n, flags);
  if (buffer.byteLength !== expected) {
    fail("body", `${n} frames with these flags take ${expected} bytes, not ${buffer.byteLength}`);
  }

  const extras = ChunkExtras.safeParse({
    ...(flags & CHUNK_INDEX && { chunk_index: view.getUint32(8, true) }),
    ...(flags & FRAME_SIZE && {
      frame_size: { width: view.getUint16(12, true), height: view.getUint16(14, true) },
    }),
  });
  if (!extras.success) throw new ValidationError(fieldIssues(extras.error));

  const issues: { field: string; message: string }[] = [];
  const add = (field: string, message: string) => {
    if (issues.length < MAX_ISSUES) issues.push({ field, message });
  };
  // Copied out of the request's buffer: the chunk outlives the request in the stored form.
  const timestamps = new Float64Array(new Float64Array(buffer, HEADER, n));
  for (let f = 0; f < n && issues.length < MAX_ISSUES; f++) {
    const t = timestamps[f]!;
    if (!(t >= 0 && t <= 1e13)) add(`frames.${f}.timestamp`, "Must be between 0 and 1e13");
    else if (f > 0 && !(t > timestamps[f - 1]!)) {
      add(`frames.${f}.timestamp`, "Timestamps must increase strictly within a chunk");
    }
  }
  const at = HEADER + n * 8;
  const values = n * VALUES_PER_FRAME;
  const landmarks = Float64Array.from(new Float32Array(buffer, at, values));
  checkValues(landmarks, "landmarks", false, add, () => issues.length >= MAX_ISSUES);
  let world: Float64Array | null = null;
  if (flags & WORLD) {
    world = Float64Array.from(new Float32Array(buffer, at + values * 4, values));
    checkValues(world, "world_landmarks", true, add, () => issues.length >= MAX_ISSUES);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return {
    count: n,
    timestamps,
    landmarks,
    world,
    client: null,
    ...(extras.data.frame_size && { frame_size: extras.data.frame_size }),
    ...(extras.data.chunk_index !== undefined && { chunk_index: extras.data.chunk_index }),
  };
}

/**
 * The JSON body's bounds, value by value: coordinates within ±100, visibility within [0, 1],
 * never NaN, except a world frame that is entirely NaN (sent without world landmarks).
 */
function checkValues(
  values: Float64Array,
  name: string,
  absentFramesAllowed: boolean,
  add: (field: string, message: string) => void,
  full: () => boolean,
) {
  const frames = values.length / VALUES_PER_FRAME;
  for (let f = 0; f < frames && !full(); f++) {
    const base = f * VALUES_PER_FRAME;
    if (absentFramesAllowed && isAbsent(values, base)) continue;
    for (let i = 0; i < LANDMARK_COUNT * 4; i++) {
      const v = values[base + i]!;
      const isVisibility = i % 4 === 3;
      const okValue = isVisibility ? v >= 0 && v <= 1 : v >= -COORD && v <= COORD;
      if (okValue) continue;
      const field = `frames.${f}.${name}.${Math.floor(i / 4)}.${FIELDS[i % 4]}`;
      add(
        field,
        isVisibility
          ? "Must be a finite number between 0 and 1"
          : `Must be a finite number between -${COORD} and ${COORD}`,
      );
      if (full()) return;
    }
  }
}

function isAbsent(values: Float64Array, base: number) {
  for (let i = 0; i < VALUES_PER_FRAME; i++) if (!Number.isNaN(values[base + i])) return false;
  return true;
}

/** Builds a binary body (the typed client and the tests use it; the server only parses). */
export function encodeWireChunk(chunk: {
  timestamps: ArrayLike<number>;
  landmarks: ArrayLike<number>;
  world?: ArrayLike<number> | null;
  chunk_index?: number;
  frame_size?: { width: number; height: number };
}): Uint8Array<ArrayBuffer> {
  const n = chunk.timestamps.length;
  const flags =
    (chunk.world ? WORLD : 0) |
    (chunk.frame_size ? FRAME_SIZE : 0) |
    (chunk.chunk_index !== undefined ? CHUNK_INDEX : 0);
  const out = new Uint8Array(wireLength(n, flags));
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint8(1, flags);
  view.setUint32(4, n, true);
  if (chunk.chunk_index !== undefined) view.setUint32(8, chunk.chunk_index, true);
  if (chunk.frame_size) {
    view.setUint16(12, chunk.frame_size.width, true);
    view.setUint16(14, chunk.frame_size.height, true);
  }
  new Float64Array(out.buffer, HEADER, n).set(Array.from(chunk.timestamps));
  const values = n * VALUES_PER_FRAME;
  new Float32Array(out.buffer, HEADER + n * 8, values).set(Array.from(chunk.landmarks));
  if (chunk.world) {
    new Float32Array(out.buffer, HEADER + n * 8 + values * 4, values).set(Array.from(chunk.world));
  }
  return out;
}
