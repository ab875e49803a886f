/**
 * The live room's frame persistence: accepted frames are packed (live-pack.ts) and stored as pose
 * chunks of the session through the same verb as `POST /sessions/{id}/data`, so a live session
 * is completed and analysed like an uploaded one.
 *
 * Invariants:
 * - A chunk closes at FLUSH_FRAMES frames or FLUSH_MS of data (the first one earlier, at random,
 *   see firstChunkShare); leftovers of a quiet device are stored by the room's alarm. Flushes run one after another, so chunks never overlap.
 * - A sealed chunk keeps its frames until stored: a transient failure retries the SAME chunk
 *   (same first timestamp and bytes), so a write that did land is answered as an idempotent
 *   replay by the verb, never stored twice or refused as an overlap.
 * - `stored { through }` goes to the device only for what is stored; the device resends anything
 *   later after a reconnect (resends are filtered by the pipeline).
 * - The flush runs beside the socket loop (`waitUntil`), never in front of an answer.
 */
import { drizzle } from "drizzle-orm/d1";
import type { Connection } from "partyserver";
import type { Bindings } from "../src/env";
import { AppError, UnauthorizedError } from "../src/lib/errors";
import { liveSessionQuery } from "../src/middleware/auth";
import { phiCipherFor, roomContext } from "../src/middleware/request-context";
import type { PoseFrameInput } from "../src/modules/sessions/pose.schemas";
import { loadSessionFrames, toPoseFrame } from "../src/modules/sessions/pose.store";
import type { ParsedChunk } from "../src/modules/sessions/pose.validate";
import { uploadPoseChunk } from "../src/modules/sessions/sessions.frames";
import type { FeedbackPipeline } from "./live-feedback";
import { PendingChunk } from "./live-pack";
import type { LiveCaller } from "../src/realtime/identity";
import type { LiveOut } from "../src/realtime/live-session.messages";
import { SESSION_ENDED_CODE } from "./room-sessions";

/**
 * Stored about every ten seconds (300 frames at 30 fps, about 320 kB packed): one R2 object and
 * three D1 round trips per device per flush. Storage, not the per-frame work, is what the room's
 * thread spends most on (measured: with flushes held back, the room answered as fast as a bare
 * echo), and much of its cost is per chunk (three D1 round trips, an R2 put, an audit entry), so
 * fewer, larger chunks. Nothing is lost by waiting:
 * the device keeps every frame until `stored` covers it.
 */
export const FLUSH_FRAMES = 300;
export const FLUSH_MS = 10_000;

/**
 * The first chunk of a room closes at a random 20–100% of the usual size. Rooms that start
 * together (a group class, the bench's 50 devices) would otherwise flush in lockstep, 50 chunks
 * in the same instant every interval, and storing them held every room's answers for seconds
 * (measured: 50 rooms' p99 was 5–10 s with flushes, the echo's without). One random first chunk
 * spreads the rooms' flushes evenly over the interval for the rest of the session.
 */
const firstChunkShare = () => 0.2 + 0.8 * Math.random();

type Device = Pick<LiveCaller, "userId" | "workspaceId" | "role" | "sessionId">;
type Size = { width: number; height: number };

/** What the store needs of its room. */
export type StoreHost = {
  env: Bindings;
  storage: DurableObjectStorage;
  waitUntil(promise: Promise<unknown>): void;
  sessionId(): string;
  connections(): Iterable<Connection<LiveCaller>>;
};

export class FrameStore {
  /** Newest timestamp known stored, for `ready` and `stored`. */
  storedThrough: number | null = null;
  private filling = new PendingChunk();
  /** Sealed chunks not yet stored, oldest first. */
  private sealed: ParsedChunk[] = [];
  private device: Device | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Share of FLUSH_FRAMES / FLUSH_MS at which the filling chunk closes (see firstChunkShare). */
  private share = firstChunkShare();
  /** Whether a flush alarm is set: setting one is a storage write, which holds outgoing messages. */
  alarmArmed = false;

  constructor(private readonly host: StoreHost) {}

  /** Queues accepted frames; starts a flush when a chunk is full, else makes sure one will come. */
  add(device: Device, frames: PoseFrameInput[], frameSize: Size | null): void {
    this.device = device;
    const chunk = this.filling;
    for (const frame of frames) chunk.add(frame);
    if (frameSize) chunk.frameSize = frameSize;
    const first = chunk.firstTimestamp;
    if (first === undefined) return;
    const last = frames.at(-1)?.timestamp ?? first;
    if (chunk.count >= FLUSH_FRAMES * this.share || last - first >= FLUSH_MS * this.share) {
      this.host.waitUntil(this.flush());
    } else if (!this.alarmArmed) {
      this.alarmArmed = true;
      this.host.waitUntil(this.host.storage.setAlarm(Date.now() + FLUSH_MS * 1.5));
    }
  }

  /** Seals what is pending and stores every sealed chunk in order, one flush at a time. */
  flush(): Promise<void> {
    if (this.filling.count > 0) {
      this.sealed.push(this.filling.seal());
      this.filling = new PendingChunk();
      this.share = 1;
    }
    this.flushing = this.flushing.then(() => this.storeSealed());
    return this.flushing;
  }

  /** Whether frames wait for storage (the alarm then comes back). */
  get pending(): boolean {
    return this.filling.count > 0 || this.sealed.length > 0;
  }

  private async storeSealed(): Promise<void> {
    const device = this.device;
    while (device && this.sealed.length > 0) {
      const chunk = this.sealed[0]!;
      const ctx = roomContext(this.host.env, device, {}, this.host.waitUntil, liveSessionQuery);
      try {
        const result = await uploadPoseChunk(ctx, this.host.sessionId(), chunk);
        this.sealed.shift();
        this.storedThrough = result.last_timestamp;
        this.toDevices({
          type: "stored",
          through: result.last_timestamp,
          frames: result.total_frames,
        });
      } catch (error) {
        if (!this.failed(error, device)) return;
        this.sealed.shift();
      }
    }
  }

  /** Handles a failed chunk; true when it is dropped (refused for good), false to retry later. */
  private failed(error: unknown, device: Device): boolean {
    if (error instanceof UnauthorizedError) {
      // The device's login ended: its sockets close; the chunk waits for a valid device.
      for (const c of this.host.connections()) {
        if (c.state?.sessionId === device.sessionId) c.close(SESSION_ENDED_CODE, "session ended");
      }
      return false;
    }
    if (error instanceof AppError && error.status < 500) {
      // The session no longer takes frames (completed, deleted): say so; nothing more to store.
      this.toDevices({ type: "error", code: error.code, message: error.message });
      return true;
    }
    // Storage failed for a transient reason: the same chunk is retried by the alarm.
    this.alarmArmed = true;
    this.host.waitUntil(this.host.storage.setAlarm(Date.now() + FLUSH_MS * 2));
    return false;
  }

  private toDevices(message: LiveOut): void {
    const text = JSON.stringify(message);
    for (const c of this.host.connections()) {
      if (c.state?.mode !== "device") continue;
      try {
        c.send(text);
      } catch {
        // A socket closing at this moment.
      }
    }
  }

  /** Feeds the stored frames back into a fresh pipeline (first use, or after eviction). */
  async restore(pipeline: FeedbackPipeline, workspaceId: string): Promise<void> {
    const deps = {
      bucket: this.host.env.MEDIA,
      phi: phiCipherFor(this.host.env),
      db: drizzle(this.host.env.DB),
    };
    const stored = await loadSessionFrames(deps, workspaceId, this.host.sessionId());
    for (const packed of stored) pipeline.replay(toPoseFrame(packed));
    if (stored.length > 0) this.storedThrough = pipeline.newest;
  }
}
