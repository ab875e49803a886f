/** Helpers of the live room tests: a synthetic squat, joining the room, reading its answers. */
import type { Pose } from "../analysis/kinematics";
import { perform, DEMOS } from "../analysis/performances";
import { upgrade, wrapSocket, type TestSocket } from "../realtime/socket";

export type Msg = { type: string; [key: string]: any };
export type LiveSocket = Omit<TestSocket, "next"> & { next(ms?: number): Promise<Msg> };

export const PORTRAIT = { width: 720, height: 1280 };

/** A synthetic squat seen from the side by a portrait phone, 30 fps, whole-ms timestamps. */
export function squatFrames(reps: number, perRep?: (i: number) => Partial<Pose>) {
  const frames = perform(DEMOS.squat!, { reps, ...(perRep && { perRep }) }).frames(30, {
    camera: { view: "side", ...PORTRAIT },
  });
  return frames.map((f, i) => ({ ...f, timestamp: 1_000 + i * 33 + Math.round(f.timestamp % 1) }));
}

export async function join(sessionId: string, token: string, via: "query" | "protocol" = "query") {
  const res =
    via === "query"
      ? await upgrade(`/parties/live-session/${sessionId}?token=${encodeURIComponent(token)}`)
      : await upgrade(`/parties/live-session/${sessionId}`, {
          "sec-websocket-protocol": `rehab.v1, bearer.${token}`,
        });
  if (res.status !== 101 || !res.webSocket) {
    throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
  }
  return {
    res,
    socket: wrapSocket(res.webSocket) as unknown as LiveSocket,
  };
}

/** Reads messages until one of `type` arrives (others are collected). */
export async function until(
  socket: { next(ms?: number): Promise<any> },
  type: string,
  seen: Msg[] = [],
) {
  for (;;) {
    const m = (await socket.next(5000)) as Msg;
    seen.push(m);
    if (m.type === type) return m;
  }
}

/** Streams frames in messages of `batch`, returning every message the device received. */
export async function stream(socket: LiveSocket, frames: unknown[], batch = 10) {
  const received: Msg[] = [];
  for (let i = 0; i < frames.length; i += batch) {
    socket.send({ type: "frames", frames: frames.slice(i, i + batch), frame_size: PORTRAIT });
    await until(socket, "feedback", received);
  }
  return received;
}
