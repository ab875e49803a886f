/**
 * The live exercise room: one PartyServer room per exercise session, joined through
 * `/parties/live-session/{session_id}`. This file holds the socket lifecycle; the work is in:
 * - live-feedback.ts: the per-frame path (check, resend filter, incremental analysis, answer);
 * - live-store.ts (with live-pack.ts): frames stored as pose chunks of the session, batched;
 * - live-watch.ts: care-team watchers (feedback, skeleton at 10 fps) and clinician cues.
 *
 * Invariants:
 * - The Worker checks the token, the session's workspace and the caller's relation before the
 *   upgrade and chooses this room; the room trusts only the identity and setup headers the Worker
 *   sets (after stripping client copies) and refuses a connection naming another session.
 * - Every `frames` message from the device gets `feedback` for its last frame, from the same
 *   movement analysis that analyses a finished session (src/analysis).
 * - Frames are answered first, then written to the room's own storage within COMMIT_MS (group
 *   commit) and acknowledged (`stored`) in the turn that writes them; R2 and D1 get them later
 *   from the alarm (live-store.ts). A frame at
 *   or before the newest accepted timestamp is a resend and ignored, so a device that reconnects
 *   and resends what was not yet `stored` loses and duplicates nothing.
 * - After eviction the analysis is rebuilt from the stored frames (D1, then the room's buffer)
 *   before new ones are analysed.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import type { Bindings } from "../src/env";
import { FeedbackPipeline, parseLiveMessage } from "./live-feedback";
import { FrameStore } from "./live-store";
import { send, Watch } from "./live-watch";
import { readHandoff, type LiveSetup } from "../src/realtime/handoff";
import type { LiveCaller } from "../src/realtime/identity";
import type { LiveSessionRpc } from "../src/realtime/rooms";
import { asCaller, liveAudience } from "../src/modules/live/live.audience";
import {
  closeEndedSessions,
  closeSession,
  revokeSockets,
  keepSessionsAlive,
  SESSION_CHECK_MS,
  trackRoom,
} from "./room-sessions";

export { FLUSH_FRAMES, FLUSH_MS, RETRY_MS } from "./live-store";
export { WATCH_INTERVAL_MS } from "./live-watch";

export class LiveSession extends Server<Bindings & Cloudflare.Env> implements LiveSessionRpc {
  /**
   * Not hibernating: frames must be handled in arrival order (a frame at or before the newest
   * timestamp counts as a resend), and workerd may dispatch a hibernatable socket's messages out
   * of order under load (see ChatRoom). A non-hibernating socket also skips the per-message event
   * dispatch and attachment read, which the 30 fps path pays 1,500 times a second.
   */
  static override options = { hibernate: false };

  private setup: LiveSetup | null = null;
  private pipeline: FeedbackPipeline | null = null;
  private restoring: Promise<void> | null = null;
  /** The alarm this instance set (null: none yet, or it fired). */
  private alarmAt: number | null = null;
  private nextCheckAt = 0;
  private readonly store = new FrameStore({
    env: this.env,
    storage: this.ctx.storage,
    waitUntil: (p) => this.ctx.waitUntil(p),
    sessionId: () => this.name,
    connections: () => this.getConnections<LiveCaller>(),
    wakeBy: (at) => this.wakeBy(at),
  });
  private readonly watch = new Watch(() => this.getConnections<LiveCaller>());

  override async onConnect(connection: Connection<LiveCaller>, ctx: ConnectionContext) {
    const handoff = readHandoff(ctx.request, "live");
    if (!handoff || handoff.caller.exerciseSessionId !== this.name) {
      connection.close(1008, "unauthorized");
      return;
    }
    const { caller, setup } = handoff;
    connection.setState(caller);
    this.ctx.waitUntil(
      trackRoom(this.env, caller.userId, caller.sessionId, { kind: "live", name: this.name }).catch(
        () => undefined,
      ),
    );
    if (this.nextCheckAt === 0) this.nextCheckAt = Date.now() + SESSION_CHECK_MS;
    this.wakeBy(this.nextCheckAt);
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
      rep_count: this.pipeline?.summaryRepCount() ?? 0,
      stored_through: this.store.storedThrough,
    });
  }

  override async onMessage(connection: Connection<LiveCaller>, message: WSMessage) {
    const caller = connection.state;
    if (!caller) return connection.close(1008, "unauthorized");
    const msg = parseLiveMessage(message);
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
      return this.watch.cue(caller, msg.message);
    }
    if (caller.mode !== "device") {
      return forbidden(connection, "Only the patient's device sends frames");
    }
    // Only after an eviction does this wait (for the stored frames); it keeps arrival order.
    if (!this.pipeline) await this.restore(caller.workspaceId);
    const pipeline = this.pipeline;
    if (!pipeline) return;
    const frameSize = msg.frame_size ?? null;
    const accepted = pipeline.accept(msg.frames, frameSize);
    // The answer first: storing and watching never delay the device's feedback.
    if (accepted.advanced) {
      const size = frameSize ?? this.setup?.frame_size ?? undefined;
      this.watch.deliver(connection, accepted.reply, msg.frames.at(-1)!, size);
      this.store.add(caller, accepted.fresh, frameSize);
    } else {
      // Only resends: the device learns they were ignored, with the feedback as it stands.
      connection.send(accepted.reply);
    }
  }

  /** The device is done (or gone): its buffer ships now, off any answer's path. */
  override async onClose(connection: Connection<LiveCaller>) {
    if (connection.state?.mode === "device") await this.store.flush().catch(() => undefined);
  }

  /** Makes sure the alarm comes back by `at` (one alarm; setting it is a storage write). */
  private wakeBy(at: number) {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.ctx.waitUntil(this.ctx.storage.setAlarm(at));
  }

  /**
   * One alarm serves both: shipping the buffer to R2 and D1 when due (or retrying a failed
   * chunk; a fresh instance after eviction ships whatever an earlier one left), and the session
   * check of every socket (see room-sessions.ts), repeated while sockets are open.
   */
  override async onAlarm() {
    this.alarmAt = null;
    const now = Date.now();
    const due = this.store.nextFlushAt;
    if (due === null || due <= now + 1_000) await this.store.flush().catch(() => undefined);
    if (this.store.nextFlushAt !== null) this.wakeBy(this.store.nextFlushAt);
    // Every alarm checks the sockets' sessions too (cheap beside a flush; at least every minute).
    const connections = [...this.getConnections<LiveCaller>()];
    await keepSessionsAlive(
      this.env,
      connections.flatMap((c) => (c.state ? [c.state] : [])),
    ).catch(() => undefined);
    let open = await closeEndedSessions(this.env.DB, connections);
    if (open > 0) open -= await this.revalidate(null);
    if (open > 0) {
      this.nextCheckAt = Date.now() + SESSION_CHECK_MS;
      this.wakeBy(this.nextCheckAt);
    }
  }

  /** Closes the sockets opened under a session that ended (called by the user's stream). */
  async endSession(sessionId: string): Promise<number> {
    return closeSession(this.getConnections<LiveCaller>(), sessionId);
  }

  /**
   * Closes (4003, audited) the sockets of `userId` (or of anyone, `null`) who may no longer reach
   * this session's patient: a watcher taken off the care team leaves at once. Called through the
   * user's stream when a relation ends, and by the alarm. Returns how many closed.
   */
  async revalidate(userId: string | null): Promise<number> {
    const connections = [...this.getConnections<LiveCaller>()];
    const patientId = connections.find((c) => c.state)?.state?.patientId;
    if (!patientId) return 0;
    const callersOf = (ids: string[]) =>
      connections.flatMap((c) =>
        c.state && ids.includes(c.state.userId) ? [asCaller(c.state)] : [],
      );
    return revokeSockets(this.env, connections, userId, {
      allowed: (ids) => liveAudience(this.env, patientId, callersOf(ids)),
      reason: "no longer on this patient's care team",
      audit: {
        action: "exercise_session.read",
        resourceType: "exercise_session",
        resourceId: this.name,
      },
      waitUntil: (p) => this.ctx.waitUntil(p),
    });
  }

  /**
   * Ships the buffer to R2 and D1 now (completing the session waits for it; tests). Rejects when
   * a chunk could not be shipped: it stays in the room and is retried.
   */
  flush(): Promise<number> {
    return this.store.flush();
  }

  /** Frames accepted but not yet shipped, oldest first, in the stored binary form (read-through). */
  bufferedFrames(): ArrayBuffer[] {
    return this.store.bufferedBodies();
  }

  /** Brings the analysis up to date with what is stored (first use, or after eviction). */
  private restore(workspaceId: string): Promise<void> {
    if (this.pipeline) return Promise.resolve();
    this.restoring ??= (async () => {
      const setup = this.setup ?? (await this.ctx.storage.get<LiveSetup>("setup")) ?? null;
      if (!setup) return;
      this.setup = setup;
      const pipeline = new FeedbackPipeline(setup.config, setup.frame_size);
      await this.store.restore(pipeline, workspaceId);
      this.pipeline = pipeline;
    })().finally(() => {
      this.restoring = null;
    });
    return this.restoring;
  }
}

function forbidden(connection: Connection, message: string) {
  send(connection, { type: "error", code: "FORBIDDEN", message });
}
