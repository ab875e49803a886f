/**
 * Frames waiting to be stored, packed as they arrive into the typed arrays of a validated chunk
 * (`ParsedChunk`, what `POST /sessions/{id}/data` builds from a body), so a flush hands the
 * storage verb a ready chunk instead of validating its 300 frames a second time.
 *
 * Why packed: a parsed frame is 34+ small objects, and frames wait up to ten seconds for their
 * flush; packed, a waiting frame is 1 kB of numbers in an array that grows by doubling, which
 * leaves the garbage collector little to keep track of while 50 rooms fill their chunks.
 */
import { encodeChunk, type PackedFrame } from "../src/modules/sessions/pose.binary";
import type { ClientBitsInput, PoseFrameInput } from "../src/modules/sessions/pose.schemas";
import { VALUES_PER_FRAME, type ParsedChunk } from "../src/modules/sessions/pose.validate";

type Size = { width: number; height: number };

/** Copies 33 landmarks (already checked by live-frames.ts) into `out` at `at`. */
function copyLandmarks(list: PoseFrameInput["landmarks"], out: Float64Array, at: number) {
  for (let i = 0; i < list.length; i++) {
    const l = list[i]!;
    const o = at + i * 4;
    out[o] = l.x;
    out[o + 1] = l.y;
    out[o + 2] = l.z;
    out[o + 3] = l.visibility;
  }
}

/** The client's own values of a frame, as the storage verb keeps them (absent keys left out). */
function clientBits(frame: PoseFrameInput): ClientBitsInput | null {
  if (
    frame.angles === undefined &&
    frame.quality_score === undefined &&
    frame.form_issues === undefined
  ) {
    return null;
  }
  const bits: ClientBitsInput = {};
  if (frame.angles !== undefined) bits.angles = frame.angles;
  if (frame.quality_score !== undefined) bits.quality_score = frame.quality_score;
  if (frame.form_issues !== undefined) bits.form_issues = frame.form_issues;
  return bits;
}

/** One chunk being filled: frames in arrival order (strictly increasing timestamps). */
export class PendingChunk {
  count = 0;
  frameSize: Size | null = null;
  private timestamps: Float64Array;
  private landmarks: Float64Array;
  private world: Float64Array | null = null;
  private client: (ClientBitsInput | null)[] | null = null;

  constructor(private capacity = 64) {
    this.timestamps = new Float64Array(capacity);
    this.landmarks = new Float64Array(capacity * VALUES_PER_FRAME);
  }

  get firstTimestamp(): number | undefined {
    return this.count > 0 ? this.timestamps[0] : undefined;
  }

  /** Appends a checked frame (its timestamp after the previous one's). */
  add(frame: PoseFrameInput): void {
    if (this.count === this.capacity) this.grow();
    const f = this.count++;
    this.timestamps[f] = frame.timestamp;
    copyLandmarks(frame.landmarks, this.landmarks, f * VALUES_PER_FRAME);
    if (frame.world_landmarks) {
      // NaN marks a frame sent without world landmarks (never a valid value).
      this.world ??= new Float64Array(this.capacity * VALUES_PER_FRAME).fill(NaN);
      copyLandmarks(frame.world_landmarks, this.world, f * VALUES_PER_FRAME);
    }
    const bits = clientBits(frame);
    if (bits) (this.client ??= new Array<ClientBitsInput | null>(f).fill(null))[f] = bits;
    else if (this.client) this.client[f] = null;
  }

  /**
   * Appends a frame read back from the room's buffer (its stored form): the landmarks are copied
   * value for value, so a chunk rebuilt from the buffer packs exactly as the frames first did.
   */
  addPacked(frame: PackedFrame): void {
    if (this.count === this.capacity) this.grow();
    const f = this.count++;
    const at = f * VALUES_PER_FRAME;
    this.timestamps[f] = frame[0];
    this.landmarks.set(frame[1], at);
    if (frame[2]) {
      this.world ??= new Float64Array(this.capacity * VALUES_PER_FRAME).fill(NaN);
      this.world.set(frame[2], at);
    }
    const bits = frame[3];
    if (bits) (this.client ??= new Array<ClientBitsInput | null>(f).fill(null))[f] = bits;
    else if (this.client) this.client[f] = null;
  }

  /** The frames as a validated chunk (views trimmed to the count; the builder is done). */
  seal(): ParsedChunk {
    const n = this.count;
    const values = n * VALUES_PER_FRAME;
    return {
      count: n,
      timestamps: this.timestamps.subarray(0, n),
      landmarks: this.landmarks.subarray(0, values),
      world: this.world ? this.world.subarray(0, values) : null,
      client: this.client,
      ...(this.frameSize && { frame_size: this.frameSize }),
    };
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = (a: Float64Array, per: number, fill?: number) => {
      const next = new Float64Array(capacity * per);
      if (fill !== undefined) next.fill(fill);
      next.set(a);
      return next;
    };
    this.timestamps = widen(this.timestamps, 1);
    this.landmarks = widen(this.landmarks, VALUES_PER_FRAME);
    if (this.world) this.world = widen(this.world, VALUES_PER_FRAME, NaN);
    this.capacity = capacity;
  }
}

/** One message's fresh frames in the stored binary form (a buffer row of the live room). */
export function packFrames(frames: PoseFrameInput[]): Uint8Array<ArrayBuffer> {
  const chunk = new PendingChunk(Math.max(1, frames.length));
  for (const frame of frames) chunk.add(frame);
  return encodeChunk(chunk.seal());
}
