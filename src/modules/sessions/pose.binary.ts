/**
 * The binary form of a packed pose chunk (before encryption). Numbers stay float64, so a frame
 * read back is exactly the frame sent, and packing costs a few memory copies instead of turning
 * 9,900 landmarks into text (JSON.stringify of a 300-frame chunk cost about as much as parsing
 * the request body, measured).
 *
 * Layout (little-endian, as typed arrays are on every platform Workers run on):
 *   0  u8   format (2)          1  u8  flags (1: world landmarks, 2: client values)
 *   4  u32  frame count n       8  f64[n] timestamps
 *   then f64[n*132] landmarks, f64[n*132] world landmarks when flagged (NaN: frame without),
 *   then the client values as UTF-8 JSON (an array of n objects or nulls) when flagged.
 */
import { fromUtf8, utf8 } from "../../lib/encoding";
import type { ClientBitsInput } from "./pose.schemas";
import { VALUES_PER_FRAME, type ParsedChunk } from "./pose.validate";

const FORMAT = 2;
const WORLD = 1;
const CLIENT = 2;
const HEADER = 8;

/** A stored frame: timestamp, 132 landmark values, 132 world values or null, client values. */
export type PackedFrame = [
  number,
  ArrayLike<number>,
  ArrayLike<number> | null,
  ClientBitsInput | null,
];

/** Packs a validated chunk into one buffer. */
export function encodeChunk(chunk: ParsedChunk): Uint8Array<ArrayBuffer> {
  const n = chunk.count;
  const values = n * VALUES_PER_FRAME;
  const client = chunk.client ? utf8(JSON.stringify(chunk.client)) : null;
  const numbers = n + values + (chunk.world ? values : 0);
  const out = new Uint8Array(HEADER + numbers * 8 + (client?.length ?? 0));
  const view = new DataView(out.buffer);
  view.setUint8(0, FORMAT);
  view.setUint8(1, (chunk.world ? WORLD : 0) | (client ? CLIENT : 0));
  view.setUint32(4, n, true);
  const f64 = new Float64Array(out.buffer, HEADER, numbers);
  f64.set(chunk.timestamps, 0);
  f64.set(chunk.landmarks, n);
  if (chunk.world) f64.set(chunk.world, n + values);
  if (client) out.set(client, HEADER + numbers * 8);
  return out;
}

/** True when the bytes are this format (older chunks are JSON text). */
export const isBinaryChunk = (bytes: Uint8Array) => bytes.length >= HEADER && bytes[0] === FORMAT;

/** Unpacks a buffer into frames; their arrays are views on the buffer, not copies. */
export function decodeChunk(buffer: ArrayBuffer): PackedFrame[] {
  const view = new DataView(buffer);
  if (view.getUint8(0) !== FORMAT) throw new Error("Unknown pose chunk format");
  const flags = view.getUint8(1);
  const n = view.getUint32(4, true);
  const values = n * VALUES_PER_FRAME;
  const numbers = n + values + (flags & WORLD ? values : 0);
  const f64 = new Float64Array(buffer, HEADER, numbers);
  const client =
    flags & CLIENT
      ? (JSON.parse(
          fromUtf8(new Uint8Array(buffer, HEADER + numbers * 8)),
        ) as (ClientBitsInput | null)[])
      : null;
  const frames: PackedFrame[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const at = n + i * VALUES_PER_FRAME;
    const world =
      flags & WORLD && !Number.isNaN(f64[at + values])
        ? f64.subarray(at + values, at + values + VALUES_PER_FRAME)
        : null;
    frames[i] = [f64[i]!, f64.subarray(at, at + VALUES_PER_FRAME), world, client?.[i] ?? null];
  }
  return frames;
}
