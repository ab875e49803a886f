/**
 * The live exercise room: one PartyServer room per exercise session, joined through
 * `/parties/live-session/{session_id}`.
 *
 * Invariants:
 * - The Worker checks the token, the session's workspace and the caller's relation before the
 *   upgrade and chooses this room; the room trusts only the identity and setup headers the Worker
 *   sets (after stripping client copies) and refuses a connection naming another session.
 * - The patient's device streams frames; every message gets `feedback` for its last frame from the
 *   same movement analysis that analyses a finished session (src/analysis). Watchers (the care
 *   team) get the feedback and the frames at a reduced rate, and may send cues to the device.
 * - Frames are stored through the same verb as `POST /sessions/{id}/data`, batched (about one
 *   chunk a second), one flush at a time so chunks never overlap; `stored` tells the device what
 *   is safely stored. A frame at or before the newest accepted timestamp is a resend and ignored,
 *   so a device that reconnects and resends what was not yet `stored` loses and duplicates nothing.
 * - After eviction the analyzer is rebuilt from the stored frames before new ones are analysed.
 */
import { drizzle } from "drizzle-orm/d1";
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import { createLiveAnalyzer, type LiveAnalyzer, type LiveFeedback } from "../src/analysis/live";
import type { PoseFrame } from "../src/analysis/landmarks";
import type { Bindings } from "../src/env";
import { AppError, UnauthorizedError } from "../src/lib/errors";
import { liveSessionQuery } from "../src/middleware/auth";
import { phiCipherFor, roomContext } from "../src/middleware/request-context";
import type { AnalysisConfig } from "../src/modules/exercise-types/exercise-types.analysis";
import type { PoseFrameInput } from "../src/modules/sessions/pose.schemas";
import { loadSessionFrames, toPoseFrame } from "../src/modules/sessions/pose.store";
import { uploadPoseChunk } from "../src/modules/sessions/sessions.frames";
import {
  closeEndedSessions,
  closeSession,
  SESSION_CHECK_MS,
  SESSION_ENDED_CODE,
  trackRoom,
} from "./room-sessions";
import { checkFramesMessage, type FieldError } from "./live-frames";
import { LiveCaller, LiveIn, MAX_LIVE_MESSAGE_BYTES, type LiveOut } from "./live-session.schemas";

/** Headers through which the Worker tells this room who connected and what is analysed. */
export const LIVE_CALLER_HEADER = "x-rehab-live-caller";
export const LIVE_SETUP_HEADER = "x-rehab-live-setup";

/**
 * Stored about every five seconds (150 frames at 30 fps): one R2 object and one D1 batch per
 * device per flush, so storage keeps up with 50 devices. Nothing unacknowledged is lost when the
 * connection drops: the device resends what `stored` has not confirmed (resends are ignored).
 */
export const FLUSH_FRAMES = 150;
export const FLUSH_MS = 5000;
/** Watchers see the skeleton at up to 10 frames a second. */
export const WATCH_INTERVAL_MS = 100;

export type LiveSetup = {
  slug: string;
  config: AnalysisConfig;
  frame_size: { width: number; height: number } | null;
};

type Device = Pick<LiveCaller, "userId" | "workspaceId" | "role" | "sessionId">;

export class LiveSession extends Server<Bindings & Cloudflare.Env> {
  /**
   * Not hibernating: frames must be handled in arrival order (a frame at or before the newest
   * timestamp counts as a resend), and workerd may dispatch a hibernatable socket's messages out
   * of order under load (see ChatRoom). A non-hibernating socket also skips the per-message event
   * dispatch and attachment read, which the 30 fps path pays 1,500 times a second.
   */
  static override options = { hibernate: false };

  private setup: LiveSetup | null = null;
  private analyzer: LiveAnalyzer | null = null;
  private restoring: Promise<void> | null = null;
  /** Newest timestamp accepted (buffered or stored): anything at or before it is a resend. */
  private newest = -Infinity;
  private storedThrough: number | null = null;
  private pending: PoseFrameInput[] = [];
  private pendingSize: LiveSetup["frame_size"] = null;
  private device: Device | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lastWatchAt = 0;
  private lastFeedback: LiveFeedback | null = null;
  /** Whether a flush alarm is set: setting one is a storage write, which holds outgoing messages. */
  private alarmArmed = false;

  override async onConnect(connection: Connection<LiveCaller>, ctx: ConnectionContext) {
    const caller = readJson(LiveCaller, ctx.request.headers.get(LIVE_CALLER_HEADER));
    const setup = readSetup(ctx.request.headers.get(LIVE_SETUP_HEADER));
    if (!caller || !setup || caller.exerciseSessionId !== this.name) {
      connection.close(1008, "unauthorized");
      return;
    }
    connection.setState(caller);
    this.ctx.waitUntil(
      trackRoom(this.env, caller.userId, caller.sessionId, { kind: "live", name: this.name }).catch(
        () => undefined,
      ),
    );
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + SESSION_CHECK_MS);
    }
    await this.ctx.storage.put("setup", setup);
    this.setup = setup;
    await this.restore(caller.workspaceId);
    const range = setup.config.target_ranges[setup.config.primary_joint] ?? null;
    send(connection, {
      type: "ready",
      mode: caller.mode,
      session_id: this.name,
      exercise: {
        slug: setup.slug,
        primary_joint: setup.config.primary_joint,
        target_range: range ? { min: range.min, max: range.max } : null,
      },
      rep_count: this.analyzer?.summary().rep_count ?? 0,
      stored_through: this.storedThrough,
    });
  }

  override async onMessage(connection: Connection<LiveCaller>, message: WSMessage) {
    const caller = connection.state;
    if (!caller) return connection.close(1008, "unauthorized");
    const size = typeof message === "string" ? message.length : message.byteLength;
    if (size > MAX_LIVE_MESSAGE_BYTES) {
      return invalid(connection, "message", `Messages are at most ${MAX_LIVE_MESSAGE_BYTES} bytes`);
    }
    let json: unknown;
    try {
      json = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      return invalid(connection, "message", "Messages are JSON objects with a type");
    }
    const msg = parseLiveIn(json);
    if ("errors" in msg) {
      return send(connection, {
        type: "error",
        code: "VALIDATION_ERROR",
        message: "Invalid message",
        details: msg.errors,
      });
    }
    if (msg.type === "ping") return send(connection, { type: "pong", id: msg.id ?? null });
    if (msg.type === "cue") {
      if (caller.mode !== "watcher") return forbidden(connection, "Only clinicians send cues");
      return this.broadcast(
        JSON.stringify({
          type: "cue",
          from: { user_id: caller.userId, role: caller.role },
          message: msg.message,
          timestamp: Date.now(),
        } satisfies LiveOut),
      );
    }
    if (caller.mode !== "device")
      return forbidden(connection, "Only the patient's device sends frames");
    await this.restore(caller.workspaceId);
    this.acceptFrames(caller, msg.frames, msg.frame_size ?? null);
  }

  override async onClose(connection: Connection<LiveCaller>) {
    if (connection.state?.mode === "device") await this.flush();
  }

  /** Leftovers of a device that went quiet are stored a moment later. */
  /**
   * One alarm serves both: storing a quiet device's leftovers, and the session check of every
   * socket (see room-sessions.ts), repeated while sockets are open.
   */
  override async onAlarm() {
    this.alarmArmed = false;
    await this.flush();
    const open = await closeEndedSessions(this.env.DB, [...this.getConnections<LiveCaller>()]);
    if (open > 0 && !this.alarmArmed) {
      await this.ctx.storage.setAlarm(Date.now() + SESSION_CHECK_MS);
    }
  }

  /** Closes the sockets opened under a session that ended (called by the user's stream). */
  async endSession(sessionId: string): Promise<number> {
    return closeSession(this.getConnections<LiveCaller>(), sessionId);
  }

  /** Analyses new frames, answers feedback, forwards to watchers, and queues them for storage. */
  private acceptFrames(
    caller: LiveCaller,
    frames: PoseFrameInput[],
    frameSize: LiveSetup["frame_size"],
  ) {
    const analyzer = this.analyzer;
    if (!analyzer || !this.setup) return;
    const size = frameSize ?? this.setup.frame_size ?? undefined;
    let ignored = 0;
    let feedback: LiveFeedback | null = null;
    for (const frame of frames) {
      if (frame.timestamp <= this.newest) {
        ignored++;
        continue;
      }
      this.newest = frame.timestamp;
      feedback = analyzer.push(frame as PoseFrame, size);
      this.pending.push(frame);
    }
    this.device = caller;
    if (frameSize) this.pendingSize = frameSize;
    if (feedback) {
      this.lastFeedback = feedback;
      const out: LiveOut = { type: "feedback", ...feedback, ...(ignored > 0 && { ignored }) };
      this.broadcast(JSON.stringify(out));
      const now = Date.now();
      if (now - this.lastWatchAt >= WATCH_INTERVAL_MS) {
        this.lastWatchAt = now;
        const last = frames.at(-1)!;
        // Rebuilt from the checked fields: a device's extra keys never reach the watchers.
        const landmarks = last.landmarks.map(({ x, y, z, visibility }) => ({
          x,
          y,
          z,
          visibility,
        }));
        const watch: LiveOut = {
          type: "frames",
          frames: [{ timestamp: last.timestamp, landmarks }],
          ...(size && { frame_size: size }),
        };
        const payload = JSON.stringify(watch);
        for (const c of this.getConnections<LiveCaller>()) {
          if (c.state?.mode === "watcher") c.send(payload);
        }
      }
    } else {
      // Only resends: the device learns they were ignored, with the feedback as it stands.
      const current = this.lastFeedback ?? IDLE_FEEDBACK;
      for (const c of this.getConnections<LiveCaller>()) {
        if (c.state?.userId === caller.userId) send(c, { type: "feedback", ...current, ignored });
      }
    }
    const oldest = this.pending[0]?.timestamp;
    if (
      this.pending.length >= FLUSH_FRAMES ||
      (oldest !== undefined && this.newest - oldest >= FLUSH_MS)
    ) {
      this.ctx.waitUntil(this.flush());
    } else if (this.pending.length > 0 && !this.alarmArmed) {
      this.alarmArmed = true;
      this.ctx.waitUntil(this.ctx.storage.setAlarm(Date.now() + FLUSH_MS * 1.5));
    }
  }

  /** Stores pending frames as one chunk; flushes run one after another so chunks never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  private async flushOnce() {
    const device = this.device;
    if (!device || this.pending.length === 0) return;
    const frames = this.pending;
    const frameSize = this.pendingSize;
    this.pending = [];
    const ctx = roomContext(this.env, device, {}, (p) => this.ctx.waitUntil(p), liveSessionQuery);
    try {
      const result = await uploadPoseChunk(ctx, this.name, {
        frames,
        ...(frameSize && { frame_size: frameSize }),
      });
      this.storedThrough = result.last_timestamp;
      const stored: LiveOut = {
        type: "stored",
        through: result.last_timestamp,
        frames: result.total_frames,
      };
      for (const c of this.getConnections<LiveCaller>()) {
        if (c.state?.mode === "device") send(c, stored);
      }
    } catch (error) {
      this.flushFailed(error, frames);
    }
  }

  private flushFailed(error: unknown, frames: PoseFrameInput[]) {
    if (error instanceof UnauthorizedError) {
      for (const c of this.getConnections<LiveCaller>()) {
        if (c.state?.sessionId === this.device?.sessionId)
          c.close(SESSION_ENDED_CODE, "session ended");
      }
      return;
    }
    if (error instanceof AppError && error.status < 500) {
      // The session no longer takes frames (completed, deleted): say so; nothing more to store.
      for (const c of this.getConnections<LiveCaller>()) {
        if (c.state?.mode === "device") {
          send(c, { type: "error", code: error.code, message: error.message });
        }
      }
      return;
    }
    // Storage failed for a transient reason: keep the frames for the next flush.
    this.pending = [...frames, ...this.pending];
    this.alarmArmed = true;
    this.ctx.waitUntil(this.ctx.storage.setAlarm(Date.now() + FLUSH_MS * 2));
  }

  /** Brings the analyzer up to date with what is stored (first use, or after eviction). */
  private restore(workspaceId: string): Promise<void> {
    if (this.analyzer) return Promise.resolve();
    this.restoring ??= (async () => {
      const setup = this.setup ?? (await this.ctx.storage.get<LiveSetup>("setup")) ?? null;
      if (!setup) return;
      this.setup = setup;
      const analyzer = createLiveAnalyzer(setup.config);
      const deps = {
        bucket: this.env.MEDIA,
        phi: phiCipherFor(this.env),
        db: drizzle(this.env.DB),
      };
      const stored = await loadSessionFrames(deps, workspaceId, this.name);
      for (const packed of stored) {
        const frame = toPoseFrame(packed);
        analyzer.push(frame, setup.frame_size ?? undefined);
        this.newest = Math.max(this.newest, frame.timestamp);
      }
      if (stored.length > 0) this.storedThrough = this.newest;
      this.analyzer = analyzer;
    })().finally(() => {
      this.restoring = null;
    });
    return this.restoring;
  }
}

const IDLE_FEEDBACK: LiveFeedback = {
  timestamp: 0,
  rep_count: 0,
  partial_rep: false,
  phase: "unknown",
  primary_angle: null,
  cues: [],
};

/**
 * Frames (the hot path) go through the flat check of live-frames.ts; the rare cue and ping, and
 * anything else, through the zod union.
 */
function parseLiveIn(json: unknown): LiveIn | { errors: FieldError[] } {
  if (typeof json === "object" && json !== null && (json as { type?: unknown }).type === "frames") {
    const checked = checkFramesMessage(json as Record<string, unknown>);
    return checked.ok ? checked.value : { errors: checked.errors };
  }
  const parsed = LiveIn.safeParse(json);
  if (parsed.success) return parsed.data;
  return {
    errors: parsed.error.issues.slice(0, 10).map((i) => ({
      field: i.path.join(".") || "type",
      message: i.message,
    })),
  };
}

function readJson<T>(
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
  raw: string | null,
): T | null {
  if (!raw) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? (parsed.data as T) : null;
  } catch {
    return null;
  }
}

function readSetup(raw: string | null): LiveSetup | null {
  if (!raw) return null;
  try {
    const setup = JSON.parse(raw) as LiveSetup;
    return setup && typeof setup.slug === "string" && setup.config ? setup : null;
  } catch {
    return null;
  }
}

function send(connection: Connection, message: LiveOut) {
  try {
    connection.send(JSON.stringify(message));
  } catch {
    // A socket closing at this moment: the runtime drops it.
  }
}

function invalid(connection: Connection, field: string, message: string) {
  send(connection, {
    type: "error",
    code: "VALIDATION_ERROR",
    message: "Invalid message",
    details: [{ field, message }],
  });
}

function forbidden(connection: Connection, message: string) {
  send(connection, { type: "error", code: "FORBIDDEN", message });
}
