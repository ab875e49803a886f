/**
 * What runs while someone is signed in, beside the page: the user stream (stream.ts), the bell in
 * the header and the incoming-call overlay. `main.tsx` starts it after sign-in and stops it at
 * sign-out; both are idempotent, so every route can call the one that fits.
 */
import { createRoot, type Root } from "hono/jsx/dom/client";
import { NotificationBell } from "../../components/NotificationBell";
import { startStream, stopStream } from "../../stream";
import { IncomingCalls } from "./IncomingCall";

let running: { bell: HTMLElement; overlay: HTMLElement; roots: Root[] } | null = null;

/** Starts the stream, the bell and the overlay (once per sign-in); returns the bell's element. */
export function startSignedIn(): HTMLElement {
  if (running) return running.bell;
  startStream();
  const bell = document.createElement("span");
  const overlay = document.createElement("div");
  document.body.append(overlay);
  const roots = [createRoot(bell), createRoot(overlay)];
  roots[0]!.render(<NotificationBell />);
  roots[1]!.render(<IncomingCalls />);
  running = { bell, overlay, roots };
  return bell;
}

/** Stops them (sign-out, or a session that could not be renewed). */
export function stopSignedIn(): void {
  if (!running) return;
  for (const root of running.roots) root.unmount();
  running.overlay.remove();
  running.bell.remove();
  running = null;
  stopStream();
}
