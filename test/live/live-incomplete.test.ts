/**
 * A squat that stops short, live: the room's feedback over the socket cues it once the movement
 * is back at rest (with when it turned back, the depth reached and the counting angle), and the
 * session's analysis keeps it as a form issue, which the review page draws as a mark. Synthetic
 * squats of known truth (test/analysis/performances.ts): four movements, the third to 140°.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { perform, DEMOS } from "../analysis/performances";
import { createSession, sessionClinic } from "../sessions/helpers";
import { join, PORTRAIT, stream } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  ({ clinic } = await sessionClinic());
});

const T0 = 1_000;
const FRAME_MS = 1000 / 30;

/** Whole-ms timestamps from T0; the third movement turns back at 140° at T0 + 9500 ms. */
function shallowThirdSquat() {
  const shallow = { knee_left: 140, knee_right: 140, hip_left: 140, hip_right: 140 };
  const frames = perform(DEMOS.squat!, {
    reps: 4,
    bottomMs: 0,
    perRep: (i) => (i === 2 ? shallow : {}),
  }).frames(30, { camera: { view: "side", ...PORTRAIT } });
  return {
    frames: frames.map((f) => ({ ...f, timestamp: T0 + Math.round(f.timestamp) })),
    turnedAt: T0 + 800 + 2 * 3600 + 1500,
  };
}

describe("happy", () => {
  it("cues the shallow third squat over the socket and keeps it for the review", async () => {
    const session = await createSession(clinic, { frame_size: PORTRAIT });
    const { socket } = await join(session.session_id, clinic.patientUser.token);
    expect((await socket.next()).type).toBe("ready");
    const { frames, turnedAt } = shallowThirdSquat();
    const received = await stream(socket, frames);
    const feedback = received.filter((m) => m.type === "feedback");
    expect(feedback.at(-1)!.rep_count).toBe(3);
    const cues = feedback.flatMap((f) =>
      f.cues
        .filter((c: { code: string }) => c.code === "incomplete_rep")
        .map((c: Record<string, unknown>) => ({ ...c, at: f.timestamp, rep_count: f.rep_count })),
    );
    expect(cues.length).toBeGreaterThan(0);
    expect(new Set(cues.map((c) => c.timestamp)).size).toBe(1);
    const cue = cues[0]!;
    expect(Math.abs(cue.timestamp - turnedAt)).toBeLessThanOrEqual(FRAME_MS);
    expect(Math.abs(cue.value - 140)).toBeLessThan(1.5);
    expect(cue.target).toBe(110);
    expect(cue.message).toMatch(/stopped short/);
    // Cued after the second repetition was counted and before the third.
    expect(cues.every((c) => c.rep_count === 2)).toBe(true);
    socket.close();

    await expect
      .poll(async () => {
        const r = await api("GET", `/api/v1/sessions/${session.session_id}`, {
          token: clinic.physio.token,
        });
        return r.body?.data?.pose_data?.frame_count;
      })
      .toBe(frames.length);
    const token = clinic.patientUser.token;
    expectStatus(
      await api("POST", `/api/v1/sessions/${session.session_id}/complete`, { token }),
      200,
    );
    const detail = expectStatus(
      await api("GET", `/api/v1/sessions/${session.session_id}`, { token: clinic.physio.token }),
      200,
    ).body.data;
    expect(detail.pose_data.rep_count).toBe(3);
    // The review page marks every form issue with a timestamp (console/src/views/review.ts).
    const marks = detail.pose_data.form_issues.filter(
      (i: { rule_id?: string }) => i.rule_id === "incomplete_rep",
    );
    expect(marks).toHaveLength(1);
    expect(Math.abs(marks[0].timestamp - turnedAt)).toBeLessThanOrEqual(FRAME_MS);
    expect(marks[0]).toMatchObject({ target: 110, rep: null });
    expect(Math.abs(marks[0].value - 140)).toBeLessThan(1.5);
  });
});
