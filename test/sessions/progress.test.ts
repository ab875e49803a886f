/**
 * The analysis advanced as chunks arrive (src/modules/sessions/sessions.progress.ts): whatever
 * order, repetition or interruption the chunks come with, completion stores exactly what the
 * full pass (analyzeSession over every frame) gives, and reads back only what the saved state
 * does not cover.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { analyzeSession, type AnalysisConfig, type PoseFrame } from "../../src/analysis";
import { api, expectStatus } from "../helpers/http";
import { PORTRAIT } from "../analysis/catalog";
import { DEMOS, perform } from "../analysis/performances";
import { createSession, rawRows, sessionClinic } from "./helpers";

const CHUNK = 60;

/** A noisy squat with a forward-lean fault in one repetition and short visibility dropouts. */
const FRAMES: PoseFrame[] = perform(DEMOS.squat!, {
  reps: 8,
  perRep: (i) => (i === 3 ? { trunk_lean: 55 } : {}),
}).frames(30, { camera: { view: "side", ...PORTRAIT }, noisePx: 3, seed: 11, dropout: 0.02 });
const CHUNKS: PoseFrame[][] = [];
for (let i = 0; i < FRAMES.length; i += CHUNK) CHUNKS.push(FRAMES.slice(i, i + CHUNK));

type Clinic = Awaited<ReturnType<typeof sessionClinic>>["clinic"];

async function squatConfig(workspaceId: string) {
  const row = await env.DB.prepare(
    "select analysis from exercise_types where workspace_id = ? and slug = 'squat'",
  )
    .bind(workspaceId)
    .first<{ analysis: string }>();
  return JSON.parse(row!.analysis) as AnalysisConfig;
}

/** Posts the chunks in the given order (indices may repeat: a retry answers 200). */
async function ingest(
  clinic: Clinic,
  order: number[],
  between?: (step: number, sessionId: string) => Promise<void>,
) {
  const token = clinic.patientUser.token;
  const { session_id } = await createSession(clinic, { frame_size: PORTRAIT });
  const seen = new Set<number>();
  for (const [step, index] of order.entries()) {
    const res = await api("POST", `/api/v1/sessions/${session_id}/data`, {
      token,
      body: { frames: CHUNKS[index] },
    });
    expectStatus(res, seen.has(index) ? 200 : 201);
    seen.add(index);
    await between?.(step, session_id);
  }
  return session_id;
}

/** Completes the session; returns the stored analysis and how completion got it. */
async function complete(clinic: Clinic, sessionId: string) {
  const res = await api("POST", `/api/v1/sessions/${sessionId}/complete`, {
    token: clinic.patientUser.token,
  });
  expect(expectStatus(res, 200).body.data.status).toBe("review_pending");
  const [row] = await rawRows("exercise_sessions", "id", sessionId);
  const audit = await env.DB.prepare(
    "select metadata from audit_log where resource_id = ? and action = 'exercise_session.analyzed'",
  )
    .bind(sessionId)
    .first<{ metadata: string }>();
  const leftover = await env.DB.prepare(
    "select (select count(*) from session_analysis_states where session_id = ?1) + (select count(*) from session_analysis_series where session_id = ?1) n",
  )
    .bind(sessionId)
    .first<{ n: number }>();
  expect(leftover!.n, "saved progress is dropped with the analysis stored").toBe(0);
  return {
    analysis: JSON.parse(String(row!.analysis)),
    how: JSON.parse(audit!.metadata) as { resumed: boolean; chunks_read: number },
  };
}

const inOrder = CHUNKS.map((_, i) => i);

describe("incremental analysis: happy", () => {
  it("equals the full pass in order, out of order and with repeated chunks", async () => {
    const { clinic } = await sessionClinic();
    const full = JSON.parse(
      JSON.stringify(
        analyzeSession(FRAMES, await squatConfig(clinic.workspaceId), { frameSize: PORTRAIT }),
      ),
    );
    expect(full.rep_count).toBe(8);
    expect(full.form_issues.some((i: { rep: number }) => i.rep === 4)).toBe(true);

    // In order: nothing is read back at completion.
    const ordered = await complete(clinic, await ingest(clinic, inOrder));
    expect(ordered.analysis).toEqual(full);
    expect(ordered.how).toMatchObject({ resumed: true, chunks_read: 0 });

    // Neighbours swapped, and one chunk three places late: held, then caught up.
    const swapped = [0];
    for (let i = 1; i + 1 < CHUNKS.length; i += 2) swapped.push(i + 1, i);
    if (swapped.length < CHUNKS.length) swapped.push(CHUNKS.length - 1);
    const at = swapped.indexOf(7);
    swapped.splice(at, 1);
    swapped.splice(at + 3, 0, 7);
    expect([...swapped].sort((a, b) => a - b)).toEqual(inOrder);
    const shuffled = await complete(clinic, await ingest(clinic, swapped));
    expect(shuffled.analysis).toEqual(full);
    expect(shuffled.how.resumed).toBe(true);

    // Every chunk sent twice, and the first ones again at the end: absorbed once each.
    const twice = inOrder.flatMap((i) => [i, i]).concat([0, 1, 2]);
    const repeated = await complete(clinic, await ingest(clinic, twice));
    expect(repeated.analysis).toEqual(full);
    expect(repeated.how).toMatchObject({ resumed: true, chunks_read: 0 });
  }, 120_000);

  it("rebuilds after a lost state and falls back to the full pass for a chunk it skipped", async () => {
    const { clinic } = await sessionClinic();
    const full = JSON.parse(
      JSON.stringify(
        analyzeSession(FRAMES, await squatConfig(clinic.workspaceId), { frameSize: PORTRAIT }),
      ),
    );
    // The state lost mid-session (it is derived: dropping it must cost time, never correctness):
    // later uploads read the stored chunks back a few at a time, completion reads what is left.
    const id = await ingest(clinic, inOrder, async (step, sessionId) => {
      if (step !== 6) return;
      await env.DB.batch([
        env.DB.prepare("delete from session_analysis_series where session_id = ?").bind(sessionId),
        env.DB.prepare("delete from session_analysis_states where session_id = ?").bind(sessionId),
      ]);
    });
    const rebuilt = await complete(clinic, id);
    expect(rebuilt.analysis).toEqual(full);
    expect(rebuilt.how.resumed).toBe(true);

    // The first chunk arrives last: the state began at the second, so it cannot be used.
    const late = await complete(clinic, await ingest(clinic, [...inOrder.slice(1), 0]));
    expect(late.analysis).toEqual(full);
    expect(late.how).toMatchObject({ resumed: false, chunks_read: CHUNKS.length });
  }, 120_000);

  it("keeps the saved state sealed: no angle or timestamp in plaintext", async () => {
    const { clinic } = await sessionClinic();
    const id = await ingest(clinic, inOrder.slice(0, 4));
    const [state] = await rawRows("session_analysis_states", "session_id", id);
    expect(state).toMatchObject({ chunks: 4, frames: 4 * CHUNK, version: 4, base: 1 });
    expect(String(state!.state_enc)).not.toMatch(/framesUsed|smoother|[{"]/);
    const pieces = await rawRows("session_analysis_series", "session_id", id);
    expect(pieces).toHaveLength(4);
  }, 60_000);
});
