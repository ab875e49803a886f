/**
 * Live pose inference: one PartyServer room per user and model (`<model>:<user id>`), joined
 * through `/parties/pose/{model}` after the Worker has checked the token, the session and the
 * `pose.estimate` permission (see src/modules/pose/pose.socket.ts).
 *
 * Invariants: identity comes only from the Worker's handoff (src/realtime/handoff.ts); one frame in
 * flight per connection: a frame arriving while the previous one is being estimated is dropped
 * (never queued) and counted, and the count rides on the next answer as `dropped`; a bad or
 * oversized message answers an `error` event and the socket stays open; an unknown model
 * answers an `error` event and closes. Frames are never stored or logged.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import type { Bindings } from "../src/env";
import { AppError } from "../src/lib/errors";
import { fromBase64 } from "../src/modules/pose/pose.base64";
import { poseEstimator } from "../src/modules/pose/pose.estimator";
import { postureOf } from "../src/modules/pose/pose.posture";
import { BLAZEPOSE_LANDMARKS } from "../src/analysis/landmarks";
import { readHandoff } from "../src/realtime/handoff";
import type { StreamCaller } from "../src/realtime/identity";
import { MAX_FRAME_BYTES, parseFrame, type PoseSocketOut } from "../src/realtime/pose.schemas";
import type { PoseStreamRpc } from "../src/realtime/rooms";
import { closeEndedSessions, closeSession, scheduleSessionCheck, trackRoom } from "./room-sessions";

export const UNKNOWN_MODEL_CODE = 4404;

type Flight = { busy: boolean; dropped: number };

export class PoseStream extends Server<Bindings & Cloudflare.Env> implements PoseStreamRpc {
  static override options = { hibernate: false };

  /** Per connection: in memory only (a frame in flight keeps the object awake). */
  private readonly flights = new Map<string, Flight>();

  private get model() {
    return this.name.slice(0, this.name.indexOf(":"));
  }

  override async onConnect(connection: Connection<StreamCaller>, ctx: ConnectionContext) {
    const caller = readHandoff(ctx.request, "pose")?.caller;
    if (!caller || !this.name.endsWith(`:${caller.userId}`)) {
      connection.close(1008, "unauthorized");
      return;
    }
    connection.setState(caller);
    this.flights.set(connection.id, { busy: false, dropped: 0 });
    send(connection, { event: "ready", model: this.model, max_frame_bytes: MAX_FRAME_BYTES });
    // The socket ends with its session, like every other room: at once through the user's
    // stream (logout, deactivation), or at the next check (expiry, any other path).
    this.ctx.waitUntil(
      Promise.allSettled([
        trackRoom(this.env, caller.userId, caller.sessionId, { kind: "pose", name: this.name }),
        scheduleSessionCheck(this.ctx.storage),
      ]),
    );
  }

  /** Closes the sockets whose session ended; looks again while any remain. */
  override async onAlarm() {
    const open = await closeEndedSessions(this.env.DB, [...this.getConnections<StreamCaller>()]);
    if (open > 0) await scheduleSessionCheck(this.ctx.storage);
  }

  /** Closes the sockets opened under a session that ended (called by the user's stream). */
  async endSession(sessionId: string): Promise<number> {
    return closeSession(this.getConnections<StreamCaller>(), sessionId);
  }

  /**
   * Pose inference reads no patient record (the frames are the caller's own camera), so no
   * relation can end here; the role's permission ends with the session (a role change ends it).
   */
  async revalidate(_userId: string | null): Promise<number> {
    return 0;
  }

  override onClose(connection: Connection) {
    this.flights.delete(connection.id);
  }

  override async onMessage(connection: Connection<StreamCaller>, message: WSMessage) {
    const flight = this.flights.get(connection.id) ?? { busy: false, dropped: 0 };
    this.flights.set(connection.id, flight);
    if (flight.busy) {
      flight.dropped++;
      return;
    }
    const size = typeof message === "string" ? message.length : message.byteLength;
    if (size > MAX_FRAME_BYTES) {
      return fail(
        connection,
        flight,
        null,
        "PAYLOAD_TOO_LARGE",
        `Frames are at most ${MAX_FRAME_BYTES} bytes`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      return fail(connection, flight, null, "VALIDATION_ERROR", "Frames are JSON objects", [
        { field: "message", message: "Not JSON" },
      ]);
    }
    const parsed = parseFrame(json);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({
        field: i.path.join(".") || "message",
        message: i.message,
      }));
      return fail(
        connection,
        flight,
        null,
        "VALIDATION_ERROR",
        "Send { image } or { landmarks }",
        details,
      );
    }
    const frame = parsed.data;
    const id = frame.id ?? null;
    flight.busy = true;
    try {
      if ("landmarks" in frame) {
        const size =
          frame.width && frame.height ? { width: frame.width, height: frame.height } : undefined;
        const posture = postureOf(frame.landmarks, size);
        return answer(connection, flight, id, {
          keypoints: frame.landmarks,
          keypoint_format: "blazepose-33",
          keypoint_names: BLAZEPOSE_LANDMARKS.map((n) => n.toLowerCase()),
          world_landmarks: [],
          posture,
          model: "client",
          inference_ms: 0,
        });
      }
      const started = Date.now();
      const result = await poseEstimator(this.env).estimate(fromBase64(frame.image), {
        model: this.model,
      });
      const format = result.keypoint_format ?? "blazepose-33";
      const posture = postureOf(result.landmarks, result.image, format);
      answer(connection, flight, id, {
        keypoints: result.landmarks,
        keypoint_format: format,
        keypoint_names: result.keypoint_names ?? [],
        world_landmarks: result.world_landmarks,
        posture,
        model: result.model,
        inference_ms: result.inference_ms ?? Date.now() - started,
      });
    } catch (error) {
      if (error instanceof AppError) {
        const details = Array.isArray(error.details)
          ? (error.details as { field: string; message: string }[])
          : undefined;
        if (error.code === "VALIDATION_ERROR" && details?.some((d) => d.field === "model")) {
          fail(connection, flight, id, "UNKNOWN_MODEL", `Unknown pose model "${this.model}"`);
          connection.close(UNKNOWN_MODEL_CODE, "unknown model");
          return;
        }
        return fail(connection, flight, id, error.code, error.message, details);
      }
      return fail(
        connection,
        flight,
        id,
        "INTERNAL_SERVER_ERROR",
        "The frame could not be processed",
      );
    } finally {
      flight.busy = false;
    }
  }
}

function answer(
  connection: Connection,
  flight: Flight,
  id: string | null,
  result: {
    keypoints: unknown[];
    keypoint_format: "blazepose-33" | "coco-17";
    keypoint_names: string[];
    world_landmarks: unknown[];
    posture: ReturnType<typeof postureOf>;
    model: string;
    inference_ms: number;
  },
) {
  const dropped = flight.dropped;
  flight.dropped = 0;
  send(connection, {
    event: "pose",
    id,
    keypoints: result.keypoints,
    keypoint_format: result.keypoint_format,
    keypoint_names: result.keypoint_names,
    world_landmarks: result.world_landmarks,
    posture_score: result.posture?.score ?? null,
    posture: result.posture,
    model: result.model,
    inference_ms: result.inference_ms,
    dropped,
  });
}

function fail(
  connection: Connection,
  flight: Flight,
  id: string | null,
  code: string,
  message: string,
  details?: { field: string; message: string }[],
) {
  const dropped = flight.dropped;
  flight.dropped = 0;
  send(connection, { event: "error", id, code, message, ...(details ? { details } : {}), dropped });
}

function send(connection: Connection, message: PoseSocketOut) {
  try {
    connection.send(JSON.stringify(message));
  } catch {
    // The socket closed while the frame was estimated.
  }
}
