/**
 * A browser-shaped WebSocket whose connection is an upgrade through the Worker's own fetch
 * handler (SELF): lets partysocket, and so the client's socket helpers, run inside workerd tests.
 * `drop()` ends a connection as a lost network would (the client did not ask for it).
 */
import { SELF } from "cloudflare:test";

type Listener = (event: Event) => void;

export class SelfWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  /** Every socket opened, in order, for tests to inspect (URLs, offered protocols). */
  static opened: SelfWebSocket[] = [];

  readyState = SelfWebSocket.CONNECTING;
  protocol = "";
  binaryType: "blob" | "arraybuffer" = "blob";
  readonly extensions = "";
  readonly bufferedAmount = 0;
  onopen: Listener | null = null;
  private ws: WebSocket | null = null;

  constructor(
    readonly url: string,
    readonly protocols: string | string[] = [],
  ) {
    super();
    SelfWebSocket.opened.push(this);
    const offered = Array.isArray(protocols) ? protocols : [protocols];
    const target = new URL(url);
    target.protocol = target.protocol === "wss:" ? "https:" : "http:";
    void SELF.fetch(target, {
      headers: { upgrade: "websocket", "sec-websocket-protocol": offered.join(", ") },
    }).then((res) => {
      if (res.status !== 101 || !res.webSocket) return this.ended(1006, `HTTP ${res.status}`);
      this.ws = res.webSocket;
      this.protocol = res.headers.get("sec-websocket-protocol") ?? "";
      this.ws.addEventListener("message", (m) => {
        const event = new Event("message") as Event & { data: unknown };
        event.data = m.data;
        this.dispatchEvent(event);
      });
      this.ws.addEventListener("close", (c) => this.ended(c.code, c.reason));
      this.ws.accept();
      this.readyState = SelfWebSocket.OPEN;
      this.dispatchEvent(new Event("open"));
    });
  }

  send(data: string) {
    this.ws?.send(data);
  }

  close(code = 1000, reason = "") {
    this.ws?.close(code, reason);
    this.ended(code, reason);
  }

  /** The network goes away: the server sees the socket close, the client sees 1006. */
  drop() {
    this.ws?.close(1001, "dropped");
    this.ended(1006, "");
  }

  private ended(code: number, reason: string) {
    if (this.readyState === SelfWebSocket.CLOSED) return;
    this.readyState = SelfWebSocket.CLOSED;
    const event = new Event("close") as Event & { code: number; reason: string; wasClean: boolean };
    Object.assign(event, { code, reason, wasClean: code !== 1006 });
    this.dispatchEvent(event);
  }
}
