/**
 * The signed-in user's event stream: ONE `/ws` socket for the whole console (client/src
 * `userStream`: resumes with `?since=` after a reconnect, so nothing published meanwhile is lost;
 * `resync_required` when the gap is too old), started after sign-in and closed at sign-out.
 * Components subscribe by event name (`notification:new`, `call:initiated`, `call:answered`,
 * `call:ended`, …, docs/realtime.md) instead of opening sockets of their own.
 *
 * Besides the server's events it emits two of its own: `stream:state` (`{ state }`: connecting,
 * live, reconnecting, off) and `resync` (the server could not replay the gap: refetch over HTTP).
 */
import { useEffect } from "hono/jsx/dom";
import { userStream, type UserEvent, type UserStream } from "../../client/src/index";
import { api } from "./api";

export type StreamState = "off" | "connecting" | "live" | "reconnecting";
export type StreamHandler = (data: Record<string, unknown>, frame: UserEvent) => void;

const handlers = new Map<string, Set<StreamHandler>>();
let stream: UserStream | null = null;
let state: StreamState = "off";

function emit(event: string, data: Record<string, unknown>, frame?: UserEvent) {
  for (const handler of [...(handlers.get(event) ?? [])]) {
    try {
      handler(data, frame ?? { event, data });
    } catch (error) {
      // One component's failure must not stop the others (nor the stream's seq bookkeeping).
      console.error("stream handler failed", event, error);
    }
  }
}

function setState(next: StreamState) {
  if (next === state) return;
  state = next;
  // Tests and styles read it from the page; it holds no data.
  document.body.dataset.stream = next;
  emit("stream:state", { state: next });
}

/** Opens the stream (once; a second call while it runs does nothing). */
export function startStream(): void {
  if (stream) return;
  setState("connecting");
  stream = userStream(api, location.href, {
    onEvent: (frame) => {
      // `ready` (no `since`) or `replayed` (after a reconnect): from here on events are live.
      if (frame.event === "ready" || frame.event === "replayed") setState("live");
      emit(frame.event, frame.data ?? {}, frame);
    },
    onResync: (data) => emit("resync", data),
  });
  stream.socket.addEventListener("close", () => {
    if (stream) setState("reconnecting");
  });
}

/** Closes the stream (sign-out); subscribers stay registered for the next sign-in. */
export function stopStream(): void {
  const s = stream;
  stream = null;
  s?.close();
  setState("off");
}

export function streamState(): StreamState {
  return state;
}

/** Calls `handler` for every `event` until the returned function is called. */
export function onStream(event: string, handler: StreamHandler): () => void {
  let set = handlers.get(event);
  if (!set) handlers.set(event, (set = new Set()));
  set.add(handler);
  return () => set!.delete(handler);
}

/** A component's subscription, removed when it unmounts (or `deps` change). */
export function useStream(events: string[], handler: StreamHandler, deps: unknown[] = []): void {
  useEffect(() => {
    const offs = events.map((e) => onStream(e, handler));
    return () => offs.forEach((off) => off());
  }, deps);
}
