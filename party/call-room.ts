/**
 * One Durable Object per call (named by the call id): it relays WebRTC signalling (offer, answer,
 * ICE candidates) between the call's participants, brokers Cloudflare Realtime (SFU) sessions
 * when configured, and holds the ring timer.
 *
 * Invariants: D1 is the record of the call (src/modules/calls); this room keeps only the ring
 * timer. Identities come only from the Worker's headers (token, session and participation checked
 * before the upgrade); a signal goes only to the connections of the participant it names, never
 * to anyone else; every message is parsed with `CallRoomIn` and a bad one answers `error` with the
 * socket kept open. The ring timer is a Durable Object alarm: when it fires, `expireCall` makes
 * the unanswered lines missed through the same state machine as the HTTP verbs. While sockets are
 * open the alarm also re-checks their sessions every minute and closes those that ended.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import type { Bindings } from "../src/env";
import { AppError } from "../src/lib/errors";
import { expireCall } from "../src/modules/calls/calls.service";
import { brokerSfu, invalid, send, type ConnState } from "./call-room.sfu";
import { parseSocketInput } from "./socket-input";
import {
  CallRoomIn,
  MAX_CALL_MESSAGE_BYTES,
  type CallChange,
  type RingTimer,
} from "../src/realtime/call-room.schemas";
import { readHandoff } from "../src/realtime/handoff";
import type { CallRoomRpc } from "../src/realtime/rooms";
import { callAudience } from "../src/modules/calls/calls.access";
import {
  ACCESS_ENDED_CODE,
  closeEndedSessions,
  closeSession,
  revokeSockets,
  keepSessionsAlive,
  SESSION_CHECK_MS,
  trackRoom,
} from "./room-sessions";

/** Close code when the call is over (ended, missed, declined). */
export const CALL_OVER_CODE = 4000;

export class CallRoom extends Server<Bindings & Cloudflare.Env> implements CallRoomRpc {
  static override options = { hibernate: true };

  /** Arms the ring timer (called by the Worker when the call is created). */
  async ring(timer: RingTimer) {
    await this.ctx.storage.put("ring", timer);
    await this.schedule();
  }

  /**
   * A state change, already in D1: tells the sockets; a finished call closes them, and a line
   * that declined or left loses its sockets while the call goes on for the others.
   */
  async changed(change: CallChange) {
    this.broadcast(JSON.stringify({ event: "call:state", data: change }));
    if (["ended", "missed", "declined"].includes(change.status)) {
      const timer = await this.ctx.storage.get<RingTimer>("ring");
      if (timer) await this.ctx.storage.put("ring", { ...timer, done: true });
      for (const c of this.getConnections()) c.close(CALL_OVER_CODE, `call ${change.status}`);
      return;
    }
    const gone = new Set(
      change.lines.filter((l) => !["ringing", "joined"].includes(l.state)).map((l) => l.user_id),
    );
    for (const c of this.getConnections<ConnState>()) {
      if (c.state && gone.has(c.state.userId)) c.close(ACCESS_ENDED_CODE, "no longer on this call");
    }
  }

  /**
   * Closes (4003, audited) the sockets of `userId` (or of anyone, `null`) who may no longer be on
   * the call (calls.access.ts `callAudience`). Called through the user's stream when a relation
   * ends, and by the alarm. Returns how many closed.
   */
  revalidate(userId: string | null): Promise<number> {
    return revokeSockets(this.env, this.getConnections<ConnState>(), userId, {
      allowed: (ids) => callAudience(this.env.DB, this.name, ids),
      reason: "no longer on this call",
      audit: { action: "call.read", resourceType: "call", resourceId: this.name },
      waitUntil: (p) => this.ctx.waitUntil(p),
    });
  }

  /** Recording started or stopped: every participant is told at once. */
  async recording(state: { recording: boolean; by: string }) {
    this.broadcast(JSON.stringify({ event: "call:recording", data: state }));
  }

  override onConnect(connection: Connection<ConnState>, ctx: ConnectionContext) {
    const handoff = readHandoff(ctx.request, "call");
    if (!handoff || handoff.setup.call_id !== this.name) {
      return connection.close(1008, "unauthorized");
    }
    const { caller, setup } = handoff;
    if (!setup.participants.includes(caller.userId)) {
      return connection.close(1008, "not a participant");
    }
    connection.setState({
      ...caller,
      callId: setup.call_id,
      participants: setup.participants,
      sfu: [],
    });
    const peers = this.connected().filter((id) => id !== caller.userId);
    send(connection, {
      event: "ready",
      data: {
        call_id: setup.call_id,
        user_id: caller.userId,
        status: setup.status,
        mode: setup.mode,
        peers: [...new Set(peers)],
        ice_servers: setup.ice_servers,
      },
    });
    this.broadcast(JSON.stringify({ event: "peer:joined", data: { user_id: caller.userId } }), [
      connection.id,
    ]);
    // The socket ends with its session: at once through the user's stream, or at the next check.
    this.ctx.waitUntil(
      Promise.allSettled([
        trackRoom(this.env, caller.userId, caller.sessionId, { kind: "call", name: this.name }),
        this.schedule(),
      ]),
    );
  }

  override onClose(connection: Connection<ConnState>) {
    const userId = connection.state?.userId;
    if (userId) this.broadcast(JSON.stringify({ event: "peer:left", data: { user_id: userId } }));
  }

  override async onMessage(connection: Connection<ConnState>, message: WSMessage) {
    const me = connection.state;
    if (!me) return connection.close(1008, "unauthorized");
    const parsed = parseSocketInput(CallRoomIn, message, {
      maxSize: MAX_CALL_MESSAGE_BYTES,
      tooLarge: "At most 64 KB",
      notJson: "JSON objects with an event",
    });
    if ("details" in parsed) return invalid(connection, parsed.details);
    const input = parsed.data;
    try {
      if (input.event === "ping") {
        return send(connection, { event: "pong", data: { id: input.data?.id ?? null } });
      }
      if (input.event === "offer" || input.event === "answer" || input.event === "ice") {
        return this.relay(connection, input);
      }
      await brokerSfu(this.env, connection, input, {
        connections: () => this.getConnections<ConnState>(),
        broadcast: (message, without) => this.broadcast(message, without),
      });
    } catch (error) {
      const known = error instanceof AppError;
      send(connection, {
        event: "error",
        data: {
          code: known ? error.code : "INTERNAL_SERVER_ERROR",
          message: known ? error.message : "Not handled; retry",
        },
      });
    }
  }

  /** Sends a signal to the named participant's sockets only. */
  private relay(
    connection: Connection<ConnState>,
    input: Extract<CallRoomIn, { event: "offer" | "answer" | "ice" }>,
  ) {
    const me = connection.state!;
    const { to, ...payload } = input.data;
    if (to === me.userId || !me.participants.includes(to)) {
      return invalid(connection, [
        { field: "data.to", message: "Another participant of this call" },
      ]);
    }
    const frame = JSON.stringify({ event: input.event, data: { from: me.userId, ...payload } });
    let delivered = 0;
    for (const c of this.getConnections<ConnState>()) {
      if (c.state?.userId !== to) continue;
      try {
        c.send(frame);
        delivered++;
      } catch {
        // Closing at this moment.
      }
    }
    if (delivered === 0) {
      send(connection, {
        event: "error",
        data: { code: "NOT_FOUND", message: "That participant is not connected", to },
      });
    }
  }

  /** The ring timer, then (while sockets are open) the session re-check. */
  override async onAlarm() {
    const timer = await this.ctx.storage.get<RingTimer>("ring");
    if (timer && !timer.done && Date.now() >= timer.deadline) {
      // Throws on a D1 failure, so the runtime retries the alarm.
      await expireCall(this.env, timer.workspaceId, timer.callId);
      await this.ctx.storage.put("ring", { ...timer, done: true });
    }
    const connections = [...this.getConnections<ConnState>()];
    await keepSessionsAlive(
      this.env,
      connections.flatMap((c) => (c.state ? [c.state] : [])),
    ).catch(() => undefined);
    const open = await closeEndedSessions(this.env.DB, connections);
    if (open > 0) await this.revalidate(null);
    await this.schedule(true);
  }

  /** Closes the sockets opened under a session that ended (called by the user's stream). */
  async endSession(sessionId: string): Promise<number> {
    return closeSession(this.getConnections<ConnState>(), sessionId);
  }

  /** Next alarm: the ring deadline if pending, else a session check while sockets are open. */
  private async schedule(replace = false) {
    const timer = await this.ctx.storage.get<RingTimer>("ring");
    const times: number[] = [];
    if (timer && !timer.done) times.push(timer.deadline);
    if (this.connected().length) times.push(Date.now() + SESSION_CHECK_MS);
    if (times.length === 0) return;
    const at = Math.min(...times);
    const current = await this.ctx.storage.getAlarm();
    if (replace || current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private connected(): string[] {
    return [...this.getConnections<ConnState>()].flatMap((c) => (c.state ? [c.state.userId] : []));
  }
}
