/**
 * A live room aborted mid-session (eviction, a crash) loses nothing it acknowledged (`stored`
 * means in the room's own storage): the room rebuilds its analysis from the D1 chunks and its
 * buffer, ignores what it already has, and the session ends up with every frame exactly once and
 * the right repetition count.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { LiveSession } from "../../party/live-session";
import type { Clinic } from "../helpers/fixtures";
import { api } from "../helpers/http";
import { createSession, sessionClinic } from "../sessions/helpers";
import { join, PORTRAIT, squatFrames, stream, until } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  ({ clinic } = await sessionClinic());
});

async function frameCount(sessionId: string) {
  const r = await api("GET", `/api/v1/sessions/${sessionId}`, { token: clinic.physio.token });
  return r.body?.data?.pose_data?.frame_count;
}

describe("happy", () => {
  it("after an abort, the device resends from `stored` and every frame is stored once", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(3);
    const third = Math.floor(frames.length / 3);
    const first = (await join(session.session_id, clinic.patientUser.token)).socket;
    await first.next();
    const sent = await stream(first, frames.slice(0, third));
    const stub = env.LiveSession.get(env.LiveSession.idFromName(session.session_id));
    // Part of it shipped to D1, the rest only in the room's own storage.
    await runInDurableObject(stub, (room: LiveSession) => room.flush());
    sent.push(...(await stream(first, frames.slice(third, 2 * third))));
    // Every message's frames are acknowledged once in the room's storage, before any D1 write.
    // (`stored` follows the feedback of its message.)
    const last = frames[2 * third - 1]!.timestamp;
    let acked = sent.filter((m) => m.type === "stored").at(-1)!;
    while (acked.through !== last) acked = await until(first, "stored");
    await expect(runInDurableObject(stub, (_, state) => state.abort("evicted"))).rejects.toThrow();

    const second = (await join(session.session_id, clinic.patientUser.token)).socket;
    const ready = await until(second, "ready");
    expect(ready.stored_through, "the rebuilt room holds every acknowledged frame").toBe(
      acked.through,
    );
    expect(ready.rep_count).toBeGreaterThanOrEqual(1);
    // The device resends everything after `stored_through` (here: what it had not sent yet).
    const received = await stream(
      second,
      frames.filter((f) => f.timestamp > ready.stored_through),
    );
    const feedback = received.filter((m) => m.type === "feedback");
    expect(
      feedback.some((f) => f.ignored),
      "nothing was ignored: none of it was stored",
    ).toBe(false);
    expect(feedback.at(-1)!.rep_count).toBe(3);
    second.close();
    await expect.poll(() => frameCount(session.session_id)).toBe(frames.length);
  });
});

describe("errors", () => {
  it("a resend of frames already accepted is ignored, counted, and answered with the current feedback", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const frames = squatFrames(1).slice(0, 40);
    const device = (await join(session.session_id, clinic.patientUser.token)).socket;
    await device.next();
    const before = await stream(device, frames);
    const last = before.filter((m) => m.type === "feedback").at(-1)!;
    device.send({ type: "frames", frames: frames.slice(30), frame_size: PORTRAIT });
    const again = await until(device, "feedback");
    expect(again).toMatchObject({ ignored: 10, timestamp: last.timestamp });
    device.close();
    await expect.poll(() => frameCount(session.session_id)).toBe(frames.length);
  });
});
