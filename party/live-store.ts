/**
 * The live room's frame persistence, in two tiers:
 * - the room's own SQLite storage (`ctx.storage.sql`) is the buffer. Accepted frames wait in
 *   memory for at most COMMIT_MS (group commit), then are written as one row in one synchronous
 *   turn, and `stored` goes to the device in that same turn. The output gate holds that message
 *   until the write is durable, so an acknowledged frame survives eviction, a crash or a restart;
 *   a frame still in memory was never acknowledged, and the device resends it after a reconnect.
 *   Why grouped: every write holds ALL the room's outgoing messages (feedback too) until it is
 *   durable. One write per 30 fps message made each room commit 30 times a second, and with 50
 *   rooms the commits queued behind each other until no feedback came back at all (bench/live.mjs:
 *   0 of 45,000 frames answered; 12 rooms: p50 1.6 s against 9.7 ms with the write removed);
 * - in the background (the room's alarm, jittered so rooms never flush together; a device
 *   closing; a completion asking for it), the buffer is shipped as pose chunks of the session
 *   through the same verb as `POST /sessions/{id}/data` (R2 object, D1 index row, audit entry,
 *   all per chunk of up to MAX_FRAMES_PER_CHUNK frames), and the rows go once D1 confirmed.
 *
 * Invariants:
 * - Before a chunk is shipped its extent (the last buffer row in it) is recorded in the room's
 *   storage, so every retry (after a failure, an eviction mid-flush) ships the SAME frames and
 *   bytes: a write that did land is answered as an idempotent replay by the verb, never stored
 *   twice or refused as an overlap. Rows are deleted, and the extent cleared, in one transaction.
 * - Flushes run one after another; chunks are shipped oldest first.
 * - The session's frames are the D1 chunks followed by the buffer (`bufferedBodies`), which may
 *   overlap only by a chunk shipped but not yet deleted here: readers skip timestamps they have.
 * - A chunk the session refuses for good (completed, deleted: a 4xx) is dropped and the device
 *   told; anything else stays buffered and is retried.
 */
import { drizzle } from "drizzle-orm/d1";
import type { Connection } from "partyserver";
import type { Bindings } from "../src/env";
import { AppError } from "../src/lib/errors";
import { phiCipherFor, roomContext } from "../src/middleware/request-context";
import type { PoseFrameInput } from "../src/modules/sessions/pose.schemas";
import { MAX_FRAMES_PER_CHUNK } from "../src/modules/sessions/pose.schemas";
import { decodeChunk } from "../src/modules/sessions/pose.binary";
import { loadSessionFrames, toPoseFrame } from "../src/modules/sessions/pose.store";
import { uploadPoseChunk } from "../src/modules/sessions/sessions.frames";
import type { FeedbackPipeline } from "./live-feedback";
import { packFrames, PendingChunk } from "./live-pack";
import type { LiveCaller } from "../src/realtime/identity";
import type { LiveOut } from "../src/realtime/live-session.messages";

/**
 * The buffer ships about every 30 s (±50%, random per flush): 900 frames at 30 fps, one chunk.
 * Each chunk costs three D1 round trips, an R2 put and an audit entry, now off the answering
 * path; large and rare keeps that cost small, and the random delay keeps rooms that started
 * together (a group class, the bench's 50 devices) from shipping in the same instant.
 */
export const FLUSH_MS = 30_000;
/**
 * Frames wait in memory at most this long before their buffer write (group commit): four writes
 * a second per room, and a `stored` lag the device never notices (it only keeps what is not yet
 * acknowledged, to resend).
 */
export const COMMIT_MS = 250;
/** A message burst this large is written at once rather than held (rows stay well under a chunk). */
const COMMIT_FRAMES = 300;
/** A failed ship is retried after about this long (±50%). */
export const RETRY_MS = 10_000;
/** Kept for callers that size their batches by it: the most frames one shipped chunk holds. */
export const FLUSH_FRAMES = MAX_FRAMES_PER_CHUNK;

const jittered = (ms: number) => Math.round(ms * (0.5 + Math.random()));

type Device = Pick<LiveCaller, "userId" | "workspaceId" | "role" | "sessionId">;
type Size = { width: number; height: number };

/** What the store needs of its room. */
export type StoreHost = {
  env: Bindings;
  storage: DurableObjectStorage;
  waitUntil(promise: Promise<unknown>): void;
  sessionId(): string;
  connections(): Iterable<Connection<LiveCaller>>;
  /** Asks the room's alarm to come back by `at` (ms since the epoch). */
  wakeBy(at: number): void;
  /** Group-commit delay; 0 writes each `add` at once (tests that count acknowledgements). */
  commitMs?: number;
};

type BufferRow = {
  id: number;
  frames: number;
  width: number | null;
  height: number | null;
  body: ArrayBuffer;
};

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS live_buffer (
    id INTEGER PRIMARY KEY,
    first_ms REAL NOT NULL,
    last_ms REAL NOT NULL,
    frames INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    body BLOB NOT NULL
  );
  CREATE TABLE IF NOT EXISTS live_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Thrown by `flush` when a chunk could not be shipped for a transient reason (it stays). */
export class FlushFailed extends Error {
  override name = "FlushFailed";
}

export class FrameStore {
  /** Newest timestamp held durably (buffer or D1), for `ready` and `stored`. */
  storedThrough: number | null = null;
  /** Frames of the session held durably (D1 and buffer). */
  private held = 0;
  /** When the next background flush is due (null: the buffer is empty or a flush is set). */
  nextFlushAt: number | null = null;
  private device: Device | null = null;
  private deviceJson = "";
  private flushing: Promise<unknown> = Promise.resolve();
  private ready = false;
  /** Accepted frames not yet written (never acknowledged), oldest first. */
  private pending: { device: Device; size: Size | null; frames: PoseFrameInput[] }[] = [];
  private pendingFrames = 0;
  private commitTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: StoreHost) {}

  private get sql() {
    if (!this.ready) {
      this.host.storage.sql.exec(SCHEMA);
      this.ready = true;
    }
    return this.host.storage.sql;
  }

  /**
   * Buffers accepted frames in the room's storage (synchronous, this turn) and tells the device
   * they are stored; makes sure a background flush is due.
   */
  add(device: Device, frames: PoseFrameInput[], frameSize: Size | null): void {
    if (frames.length === 0) return;
    const last = this.pending.at(-1);
    // One row per run of frames with the same frame size (a row stores one size).
    if (last && last.size?.width === frameSize?.width && last.size?.height === frameSize?.height)
      last.frames.push(...frames);
    else this.pending.push({ device, size: frameSize, frames: [...frames] });
    this.pendingFrames += frames.length;
    const delay = this.host.commitMs ?? COMMIT_MS;
    if (delay === 0 || this.pendingFrames >= COMMIT_FRAMES) return this.commit();
    this.commitTimer ??= setTimeout(() => this.commit(), delay);
  }

  /**
   * Writes the frames waiting in memory as buffer rows, in this turn, and acknowledges them
   * (`stored`, held by the output gate until durable); makes sure a background flush is due.
   */
  commit(): void {
    if (this.commitTimer !== null) clearTimeout(this.commitTimer);
    this.commitTimer = null;
    const groups = this.pending;
    if (groups.length === 0) return;
    this.pending = [];
    this.pendingFrames = 0;
    const sql = this.sql;
    for (const { device, size, frames } of groups) {
      const json = JSON.stringify(device);
      if (json !== this.deviceJson) {
        // Who ships the frames (the audit's actor), kept for a flush after eviction.
        sql.exec("INSERT OR REPLACE INTO live_meta (key, value) VALUES ('device', ?)", json);
        this.device = device;
        this.deviceJson = json;
      }
      sql.exec(
        "INSERT INTO live_buffer (first_ms, last_ms, frames, width, height, body) VALUES (?, ?, ?, ?, ?, ?)",
        frames[0]!.timestamp,
        frames.at(-1)!.timestamp,
        frames.length,
        size?.width ?? null,
        size?.height ?? null,
        packFrames(frames).buffer,
      );
      this.held += frames.length;
      this.storedThrough = frames.at(-1)!.timestamp;
    }
    this.toDevices({ type: "stored", through: this.storedThrough!, frames: this.held });
    if (this.nextFlushAt === null) {
      this.nextFlushAt = Date.now() + jittered(FLUSH_MS);
      this.host.wakeBy(this.nextFlushAt);
    }
  }

  /** Whether frames wait in the buffer. */
  get buffering(): boolean {
    return this.sql.exec("SELECT 1 FROM live_buffer LIMIT 1").toArray().length > 0;
  }

  /**
   * Ships the whole buffer to R2 and D1 now, chunk by chunk, one flush at a time. Rejects with
   * FlushFailed when a chunk could not be shipped (it stays buffered; a retry is scheduled).
   * Resolves with the number of frames the session gained.
   */
  flush(): Promise<number> {
    this.commit();
    const run = this.flushing.then(() => this.ship());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async ship(): Promise<number> {
    this.nextFlushAt = null;
    const device = this.device ?? this.readDevice();
    let shipped = 0;
    for (;;) {
      const extent = this.sealedExtent();
      if (extent === null || !device) return shipped;
      const rows = this.sql
        .exec<BufferRow>(
          "SELECT id, frames, width, height, body FROM live_buffer WHERE id <= ? ORDER BY id",
          extent,
        )
        .toArray();
      if (rows.length === 0) {
        this.sql.exec("DELETE FROM live_meta WHERE key = 'sealed'");
        continue;
      }
      const chunk = new PendingChunk(rows.reduce((n, r) => n + r.frames, 0));
      for (const row of rows) {
        for (const frame of decodeChunk(row.body)) chunk.addPacked(frame);
        if (row.width && row.height) chunk.frameSize = { width: row.width, height: row.height };
      }
      // The verb's session check was made when the device joined and is kept by the room (its
      // sockets close with the login): frames it accepted are shipped even after a logout.
      const ctx = roomContext(this.host.env, device, {}, this.host.waitUntil);
      try {
        const result = await uploadPoseChunk(ctx, this.host.sessionId(), chunk.seal());
        if (!result.replayed) shipped += result.frames_received;
      } catch (error) {
        if (error instanceof AppError && error.status < 500) {
          // The session takes no more frames (completed, deleted): say so; nothing to ship.
          this.toDevices({ type: "error", code: error.code, message: error.message });
        } else {
          this.nextFlushAt = Date.now() + jittered(RETRY_MS);
          this.host.wakeBy(this.nextFlushAt);
          throw new FlushFailed("Pose chunk not shipped; kept in the room", { cause: error });
        }
      }
      this.host.storage.transactionSync(() => {
        this.sql.exec("DELETE FROM live_buffer WHERE id <= ?", extent);
        this.sql.exec("DELETE FROM live_meta WHERE key = 'sealed'");
      });
    }
  }

  /**
   * The last buffer row of the chunk to ship: the one recorded by an earlier, unfinished flush,
   * or a new extent of up to MAX_FRAMES_PER_CHUNK frames, recorded before anything is sent.
   * Null when the buffer is empty.
   */
  private sealedExtent(): number | null {
    const sql = this.sql;
    const sealed = sql
      .exec<{ value: string }>("SELECT value FROM live_meta WHERE key = 'sealed'")
      .toArray()[0];
    if (sealed) return Number(sealed.value);
    let total = 0;
    let extent: number | null = null;
    for (const row of sql.exec<{ id: number; frames: number }>(
      "SELECT id, frames FROM live_buffer ORDER BY id",
    )) {
      if (extent !== null && total + row.frames > MAX_FRAMES_PER_CHUNK) break;
      total += row.frames;
      extent = row.id;
    }
    if (extent !== null) {
      sql.exec("INSERT OR REPLACE INTO live_meta (key, value) VALUES ('sealed', ?)", extent);
    }
    return extent;
  }

  private readDevice(): Device | null {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM live_meta WHERE key = 'device'")
      .toArray()[0];
    if (!row) return null;
    this.deviceJson = row.value;
    this.device = JSON.parse(row.value) as Device;
    return this.device;
  }

  /** The buffered frames, oldest first, in the stored binary form (one body per message). */
  bufferedBodies(): ArrayBuffer[] {
    this.commit();
    return this.sql
      .exec<{ body: ArrayBuffer }>("SELECT body FROM live_buffer ORDER BY id")
      .toArray()
      .map((r) => r.body);
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

  /**
   * Feeds what the session holds (D1 chunks, then the buffer) into a fresh pipeline (first use,
   * or after eviction), and re-arms the flush of a buffer left by an earlier instance.
   */
  async restore(pipeline: FeedbackPipeline, workspaceId: string): Promise<void> {
    const deps = {
      bucket: this.host.env.MEDIA,
      phi: phiCipherFor(this.host.env),
      db: drizzle(this.host.env.DB),
    };
    const stored = await loadSessionFrames(deps, workspaceId, this.host.sessionId());
    let held = 0;
    for (const packed of stored) if (pipeline.replay(toPoseFrame(packed))) held++;
    const bodies = this.bufferedBodies();
    for (const body of bodies) {
      for (const packed of decodeChunk(body)) if (pipeline.replay(toPoseFrame(packed))) held++;
    }
    this.held = held;
    if (held > 0) this.storedThrough = pipeline.newest;
    if (bodies.length > 0 && this.nextFlushAt === null) {
      this.nextFlushAt = Date.now() + jittered(FLUSH_MS);
      this.host.wakeBy(this.nextFlushAt);
    }
  }
}
