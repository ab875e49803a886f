/**
 * A client of the live exercise room (`/parties/live-session/{id}`, README "Live exercise
 * room") over the typed client's `roomSocket` (partysocket: the access token as a subprotocol,
 * renewed before a reconnect when it expires; reconnects with backoff when the network drops).
 * As the device, it keeps every frame the room has not acknowledged as stored
 * (`stored.through`) and resends those after a reconnect. The room ignores resends it already
 * has, so nothing is lost or stored twice.
 */
import { roomSocket } from "../../client/src/index";
import { api } from "./api";
import type { LiveOut } from "../../src/realtime/live-session.messages";
import type { Landmark } from "./skeleton";

export type LiveFrame = { timestamp: number; landmarks: Landmark[]; world_landmarks?: Landmark[] };
/** What the room sends: its own message types (src/realtime), not a copy kept here. */
export type LiveMessage = LiveOut;

export type LiveState = "connecting" | "open" | "reconnecting" | "closed";

const MAX_BATCH = 60;
/** Frames kept for replay: about a minute at 30 fps; older unacknowledged ones are dropped. */
const MAX_UNACKED = 1800;
/** Close codes after which reconnecting cannot help (policy, session ended, access revoked). */
const FINAL_CODES = new Set([1008, 4000, 4001, 4003, 4004, 4009]);
const MAX_RETRIES = 12;

export class LiveRoom {
  private readonly ws: ReturnType<typeof roomSocket>;
  private unacked: LiveFrame[] = [];
  private frameSize: { width: number; height: number } | null = null;
  private closed = false;

  constructor(
    sessionId: string,
    private readonly onMessage: (m: LiveMessage) => void,
    private readonly onState: (s: LiveState, detail?: string) => void,
  ) {
    this.onState("connecting");
    this.ws = roomSocket(api, location.href, `/parties/live-session/${sessionId}`, {
      socket: {
        maxRetries: MAX_RETRIES,
        // Frames are queued here (unacked) and flushed on open: partysocket must not queue too.
        maxEnqueuedMessages: 0,
        connectionTimeout: 10_000,
        shouldReconnectOnClose: (event) => !FINAL_CODES.has(event.code),
      },
    });
    this.ws.addEventListener("open", () => {
      this.onState("open");
      this.flush();
    });
    this.ws.addEventListener("message", (event) => {
      let msg: LiveMessage;
      try {
        msg = JSON.parse(String(event.data)) as LiveMessage;
      } catch {
        return;
      }
      if (msg.type === "stored")
        this.unacked = this.unacked.filter((f) => f.timestamp > msg.through);
      if (msg.type === "ready" && msg.stored_through != null) {
        const through = msg.stored_through;
        this.unacked = this.unacked.filter((f) => f.timestamp > through);
      }
      this.onMessage(msg);
    });
    this.ws.addEventListener("close", (event) => {
      if (this.closed) return;
      if (FINAL_CODES.has(event.code) || this.ws.retryCount >= MAX_RETRIES) {
        this.closed = true;
        this.ws.close();
        this.onState("closed", event.reason || `closed (${event.code})`);
        return;
      }
      this.onState("reconnecting");
    });
  }

  /** Device: queue frames for the room; sent now when connected, else after the reconnect. */
  sendFrames(frames: LiveFrame[], frameSize: { width: number; height: number }) {
    this.frameSize = frameSize;
    this.unacked.push(...frames);
    if (this.unacked.length > MAX_UNACKED)
      this.unacked.splice(0, this.unacked.length - MAX_UNACKED);
    if (this.ws.readyState === WebSocket.OPEN) this.send(frames);
  }

  private flush() {
    for (let i = 0; i < this.unacked.length; i += MAX_BATCH)
      this.send(this.unacked.slice(i, i + MAX_BATCH));
  }

  private send(frames: LiveFrame[]) {
    for (let i = 0; i < frames.length; i += MAX_BATCH) {
      const batch = frames.slice(i, i + MAX_BATCH);
      this.ws.send(
        JSON.stringify({ type: "frames", frames: batch, frame_size: this.frameSize ?? undefined }),
      );
    }
  }

  /** Watcher: a short cue shown (and spoken) on the patient's device. */
  sendCue(message: string): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ type: "cue", message }));
    return true;
  }

  /** Frames not yet acknowledged as stored (0 means everything is safe). */
  get pending() {
    return this.unacked.length;
  }

  close() {
    this.closed = true;
    this.ws.close(1000, "done");
  }
}
