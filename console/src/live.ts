/**
 * A client of the live exercise room (`/parties/live-session/{id}`, README "Live exercise
 * room"): connects with the access token as a subprotocol, reconnects with backoff when the
 * network drops, and, as the device, keeps every frame the room has not acknowledged as stored
 * (`stored.through`) and resends those after a reconnect. The room ignores resends it already
 * has, so nothing is lost or stored twice.
 */
import { refresh, session } from "./api";
import type { LiveOut } from "../../src/realtime/live-session.messages";
import type { Landmark } from "./skeleton";

export type LiveFrame = { timestamp: number; landmarks: Landmark[]; world_landmarks?: Landmark[] };
/** What the room sends: its own message types (src/realtime), not a copy kept here. */
export type LiveMessage = LiveOut;

export type LiveState = "connecting" | "open" | "reconnecting" | "closed";

const MAX_BATCH = 60;
/** Frames kept for replay: about a minute at 30 fps; older unacknowledged ones are dropped. */
const MAX_UNACKED = 1800;
/** Close codes after which reconnecting cannot help (policy, session ended). */
const FINAL_CODES = new Set([1008, 4000, 4001, 4003, 4004, 4009]);

export class LiveRoom {
  private ws: WebSocket | null = null;
  private unacked: LiveFrame[] = [];
  private frameSize: { width: number; height: number } | null = null;
  private attempts = 0;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly sessionId: string,
    private readonly onMessage: (m: LiveMessage) => void,
    private readonly onState: (s: LiveState, detail?: string) => void,
  ) {
    this.connect();
  }

  private connect() {
    if (this.closed) return;
    this.onState(this.attempts === 0 ? "connecting" : "reconnecting");
    const url = new URL(`/parties/live-session/${this.sessionId}`, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url, ["rehab.v1", `bearer.${session.token ?? ""}`]);
    this.ws = ws;
    ws.onopen = () => {
      this.attempts = 0;
      this.onState("open");
      this.flush();
    };
    ws.onmessage = (event) => {
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
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closed) return;
      if (FINAL_CODES.has(event.code) || this.attempts >= 12) {
        this.closed = true;
        this.onState("closed", event.reason || `closed (${event.code})`);
        return;
      }
      this.attempts++;
      this.onState("reconnecting");
      const delay = Math.min(8000, 250 * 2 ** this.attempts);
      // The token may have expired while away: renew it before the next try.
      this.timer = setTimeout(() => void refresh().finally(() => this.connect()), delay);
    };
  }

  /** Device: queue frames for the room; sent now when connected, else after the reconnect. */
  sendFrames(frames: LiveFrame[], frameSize: { width: number; height: number }) {
    this.frameSize = frameSize;
    this.unacked.push(...frames);
    if (this.unacked.length > MAX_UNACKED)
      this.unacked.splice(0, this.unacked.length - MAX_UNACKED);
    if (this.ws?.readyState === WebSocket.OPEN) this.send(frames);
  }

  private flush() {
    for (let i = 0; i < this.unacked.length; i += MAX_BATCH)
      this.send(this.unacked.slice(i, i + MAX_BATCH));
  }

  private send(frames: LiveFrame[]) {
    for (let i = 0; i < frames.length; i += MAX_BATCH) {
      const batch = frames.slice(i, i + MAX_BATCH);
      this.ws?.send(
        JSON.stringify({ type: "frames", frames: batch, frame_size: this.frameSize ?? undefined }),
      );
    }
  }

  /** Watcher: a short cue shown (and spoken) on the patient's device. */
  sendCue(message: string): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ type: "cue", message }));
    return true;
  }

  /** Frames not yet acknowledged as stored (0 means everything is safe). */
  get pending() {
    return this.unacked.length;
  }

  close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000, "done");
    this.ws = null;
  }
}
