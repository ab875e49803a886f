/**
 * A new chunk's object is stored while D1 is asked for overlaps (sessions.frames.ts): replays,
 * overlaps and refusals must leave no object behind, and a stored chunk exactly one.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import { createSession, sessionClinic, squatFrames } from "./helpers";

const objects = async (workspaceId: string, sessionId: string) =>
  (await env.MEDIA.list({ prefix: `pose/${workspaceId}/${sessionId}/` })).objects.length;

const post = (token: string, id: string, frames: unknown[]) =>
  api("POST", `/api/v1/sessions/${id}/data`, { token, body: { frames } });

describe("happy", () => {
  it("keeps one object per stored chunk through replays", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const token = clinic.patientUser.token;
    const frames = squatFrames({ reps: 1 });
    expectStatus(await post(token, session_id, frames.slice(0, 40)), 201);
    expectStatus(await post(token, session_id, frames.slice(0, 40)), 200);
    expectStatus(await post(token, session_id, frames.slice(0, 40)), 200);
    expect(await objects(clinic.workspaceId, session_id)).toBe(1);
    expectStatus(await post(token, session_id, frames.slice(40, 80)), 201);
    expect(await objects(clinic.workspaceId, session_id)).toBe(2);
  });
});

describe("errors", () => {
  it("leaves no object for an overlapping chunk or a completed session", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const token = clinic.patientUser.token;
    const frames = squatFrames({ reps: 1 });
    expectStatus(await post(token, session_id, frames.slice(0, 40)), 201);
    expectStatus(await post(token, session_id, frames.slice(20, 60)), 409);
    expect(await objects(clinic.workspaceId, session_id)).toBe(1);
    expectStatus(await api("POST", `/api/v1/sessions/${session_id}/complete`, { token }), 200);
    expectStatus(await post(token, session_id, frames.slice(40, 80)), 409);
    expect(await objects(clinic.workspaceId, session_id)).toBe(1);
  });
});

describe("security", () => {
  it("stores nothing for a caller who may not write the session", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const frames = squatFrames({ reps: 1 }).slice(0, 10);
    expectStatus(await post(clinic.otherPatientUser.token, session_id, frames), 404);
    expect(await objects(clinic.workspaceId, session_id)).toBe(0);
  });
});
