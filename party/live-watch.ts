/**
 * The care team's side of the live room: watchers get every feedback and the skeleton at up to
 * 10 frames a second, and may send cues that reach the patient's device at once.
 *
 * Why the skeleton is rebuilt: a device's extra keys (the flat check leaves unknown keys in
 * place) never reach the watchers; only x, y, z and visibility go out.
 */
import type { Connection } from "partyserver";
import type { PoseFrameInput } from "../src/modules/sessions/pose.schemas";
import type { LiveCaller } from "../src/realtime/identity";
import type { LiveOut } from "../src/realtime/live-session.messages";

/** Watchers see the skeleton at up to 10 frames a second. */
export const WATCH_INTERVAL_MS = 100;

type Size = { width: number; height: number };

/** Sends text to a socket; a socket closing at this moment drops it (the runtime would too). */
export function sendText(connection: Connection, text: string): void {
  try {
    connection.send(text);
  } catch {
    // Closing: nothing to deliver to.
  }
}

export function send(connection: Connection, message: LiveOut): void {
  sendText(connection, JSON.stringify(message));
}

export class Watch {
  private lastAt = 0;

  constructor(private readonly connections: () => Iterable<Connection<LiveCaller>>) {}

  /**
   * Answers the device and, when anyone watches, forwards the feedback and (at most every
   * WATCH_INTERVAL_MS) the newest frame's skeleton to the watchers.
   */
  deliver(device: Connection<LiveCaller>, reply: string, last: PoseFrameInput, size?: Size): void {
    sendText(device, reply);
    let frames: string | null | undefined;
    for (const c of this.connections()) {
      if (c.state?.mode !== "watcher") continue;
      if (frames === undefined) {
        // Built once per message, and only when someone watches.
        const now = Date.now();
        frames = now - this.lastAt >= WATCH_INTERVAL_MS ? skeletonMessage(last, size) : null;
        if (frames) this.lastAt = now;
      }
      sendText(c, reply);
      if (frames) sendText(c, frames);
    }
  }

  /** A clinician's cue, to everyone in the room (the device shows it; other watchers see it). */
  cue(from: LiveCaller, message: string): void {
    const text = JSON.stringify({
      type: "cue",
      from: { user_id: from.userId, role: from.role },
      message,
      timestamp: Date.now(),
    } satisfies LiveOut);
    for (const c of this.connections()) sendText(c, text);
  }
}

function skeletonMessage(last: PoseFrameInput, size?: Size): string {
  const landmarks = last.landmarks.map(({ x, y, z, visibility }) => ({ x, y, z, visibility }));
  const watch: LiveOut = {
    type: "frames",
    frames: [{ timestamp: last.timestamp, landmarks }],
    ...(size && { frame_size: size }),
  };
  return JSON.stringify(watch);
}
