/** Opening `/ws` through the Worker's real fetch handler and reading its events in order. */
import { SELF } from "cloudflare:test";

export type StreamEvent = { event: string; data: any; seq?: number };

export type TestSocket = {
  ws: WebSocket;
  /** The next event, or a rejection after `timeoutMs`. */
  next(timeoutMs?: number): Promise<StreamEvent>;
  /** Resolves true if no event arrives within `ms`. */
  quiet(ms?: number): Promise<boolean>;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>;
  send(value: unknown): void;
  close(): void;
};

export async function upgrade(path: string, headers: Record<string, string> = {}) {
  return SELF.fetch(`https://api.test${path}`, { headers: { upgrade: "websocket", ...headers } });
}

/** Connects and accepts the socket; throws with the body when the upgrade is refused. */
export async function openStream(token: string, via: "query" | "header" = "query") {
  const res =
    via === "query"
      ? await upgrade(`/ws?token=${encodeURIComponent(token)}`)
      : await upgrade("/ws", { authorization: `Bearer ${token}` });
  if (res.status !== 101 || !res.webSocket) {
    throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
  }
  return { res, socket: wrapSocket(res.webSocket) };
}

/** Accepts a client socket and queues its events for `next()`. */
export function wrapSocket(ws: WebSocket): TestSocket {
  const queue: StreamEvent[] = [];
  const waiters: ((e: StreamEvent) => void)[] = [];
  let onClose: (code: number) => void = () => undefined;
  const closed = new Promise<number>((resolve) => (onClose = resolve));
  ws.addEventListener("message", (m) => {
    const event = JSON.parse(typeof m.data === "string" ? m.data : "null") as StreamEvent;
    const waiter = waiters.shift();
    if (waiter) waiter(event);
    else queue.push(event);
  });
  ws.addEventListener("close", (e) => onClose(e.code));
  ws.accept();
  const next = (timeoutMs = 2000) =>
    new Promise<StreamEvent>((resolve, reject) => {
      const queued = queue.shift();
      if (queued) return resolve(queued);
      const waiter = (e: StreamEvent) => {
        clearTimeout(timer);
        resolve(e);
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error("no event within timeout"));
      }, timeoutMs);
      waiters.push(waiter);
    });
  return {
    ws,
    next,
    quiet: (ms = 300) =>
      next(ms).then(
        () => false,
        () => true,
      ),
    closed,
    send: (value) => ws.send(typeof value === "string" ? value : JSON.stringify(value)),
    close: () => ws.close(1000, "done"),
  };
}
