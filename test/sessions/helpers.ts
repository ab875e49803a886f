/**
 * Test data for sessions: a side-view kinematic model of a person (BlazePose order), a squat
 * whose left/right knee angle follows a known curve, sessions created through the API, and
 * chunked uploads of frames.
 */
import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { exerciseSessions, postureAnalyses } from "../../src/db/schema/sessions";
import { uuidv7 } from "../../src/lib/ids";
import { phiCipherFor } from "../../src/middleware/request-context";
import { insertExerciseType, seedCatalog } from "../exercises/helpers";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

export type Lm = { x: number; y: number; z: number; visibility: number; type?: string };

const DEG = Math.PI / 180;

/**
 * One standing figure, side view, in normalised image coordinates of a square frame (y down).
 * `knee` is the knee angle in degrees (180 = straight); the shins stay vertical and the trunk
 * upright, so the knee angle is exactly `knee`.
 */
export function figure(knee = 180, options: { visibility?: number } = {}): Lm[] {
  const v = options.visibility ?? 0.99;
  const ankleY = 0.9;
  const shin = 0.2;
  const thigh = 0.2;
  const pts: Lm[] = Array.from({ length: 33 }, () => ({ x: 0.5, y: 0.2, z: 0, visibility: v }));
  const set = (i: number, x: number, y: number) => (pts[i] = { x, y, z: 0, visibility: v });
  for (const [side, dz] of [
    [0, -0.01],
    [1, 0.01],
  ] as const) {
    const ankle = { x: 0.5 + dz, y: ankleY };
    const kneeP = { x: ankle.x, y: ankleY - shin };
    // The thigh rotates forward from straight up as the knee bends.
    const hip = {
      x: kneeP.x - thigh * Math.sin(knee * DEG),
      y: kneeP.y + thigh * Math.cos(knee * DEG),
    };
    const shoulder = { x: hip.x, y: hip.y - 0.25 };
    set(27 + side, ankle.x, ankle.y);
    set(29 + side, ankle.x - 0.02, ankle.y + 0.01);
    set(31 + side, ankle.x + 0.05, ankle.y + 0.01);
    set(25 + side, kneeP.x, kneeP.y);
    set(23 + side, hip.x, hip.y);
    set(11 + side, shoulder.x, shoulder.y);
    set(13 + side, shoulder.x, shoulder.y + 0.12);
    set(15 + side, shoulder.x, shoulder.y + 0.24);
    for (const i of [17, 19, 21]) set(i + side, shoulder.x, shoulder.y + 0.26);
  }
  for (let i = 0; i <= 10; i++) set(i, pts[11]!.x + 0.02, pts[11]!.y - 0.1);
  return pts;
}

/** Squat frames: `reps` repetitions of `period` seconds, knee 180 → `bottom` → 180, at `fps`. */
export function squatFrames(opts: {
  reps: number;
  fps?: number;
  period?: number;
  bottom?: number;
  t0?: number;
}) {
  const fps = opts.fps ?? 30;
  const period = opts.period ?? 3;
  const bottom = opts.bottom ?? 90;
  const t0 = opts.t0 ?? 1_706_630_400_000;
  const n = Math.round(opts.reps * period * fps);
  return Array.from({ length: n + 1 }, (_, i) => {
    const t = i / fps;
    const knee = bottom + ((180 - bottom) / 2) * (1 + Math.cos((2 * Math.PI * t) / period));
    return { timestamp: t0 + Math.round(t * 1000), landmarks: figure(knee) };
  });
}

/** A clinic with the default catalog. */
export async function sessionClinic() {
  const clinic = await createClinic();
  const catalog = await seedCatalog(clinic.workspaceId);
  return { clinic, catalog };
}

/** Creates a session for clinic.patient as the patient (or `token`). */
export async function createSession(
  clinic: Clinic,
  body: Record<string, unknown> = {},
  token?: string,
) {
  const res = await api("POST", "/api/v1/sessions", {
    token: token ?? clinic.patientUser.token,
    body: { patient_id: clinic.patient.id, exercise_type: "squat", ...body },
  });
  return expectStatus(res, 201).body.data as {
    session_id: string;
    status: string;
    upload_urls: {
      video: string;
      metadata: string;
      video_upload: { media_id: string; headers: Record<string, string> };
    };
    expires_at: string;
  };
}

/** Uploads frames in chunks of `size`; returns the responses. */
export async function uploadFrames(
  token: string,
  sessionId: string,
  frames: unknown[],
  size = 250,
  extra: Record<string, unknown> = {},
) {
  const out = [];
  for (let i = 0; i < frames.length; i += size) {
    const res = await api("POST", `/api/v1/sessions/${sessionId}/data`, {
      token,
      body: { frames: frames.slice(i, i + size), ...extra },
    });
    out.push(expectStatus(res, 201));
  }
  return out;
}

/** Raw rows of a table for a column value, as stored. */
export const rawRows = async (table: string, column: string, value: string) =>
  (await env.DB.prepare(`select * from ${table} where ${column} = ?`).bind(value).all()).results;

/** Audit actions recorded for a resource id, in order. */
export const auditActions = async (resourceId: string) =>
  (
    await env.DB.prepare("select action, outcome from audit_log where resource_id = ? order by seq")
      .bind(resourceId)
      .all<{ action: string; outcome: string }>()
  ).results;

/** A pending session of `patientId`, written straight to D1 (for the security suite). */
export async function insertSession(workspaceId: string, patientId: string, createdBy: string) {
  const type = await insertExerciseType(workspaceId);
  const id = uuidv7();
  const now = new Date().toISOString();
  await drizzle(env.DB).insert(exerciseSessions).values({
    id,
    workspaceId,
    patientId,
    exerciseTypeId: type.id,
    createdBy,
    createdAt: now,
    updatedAt: now,
  });
  return { id, typeId: type.id };
}

/** A posture analysis of `patientId`, written straight to D1 (for the security suite). */
export async function insertPosture(workspaceId: string, patientId: string, createdBy: string) {
  const id = uuidv7();
  await drizzle(env.DB)
    .insert(postureAnalyses)
    .values({
      id,
      workspaceId,
      patientId,
      createdBy,
      score: 90,
      parts: {},
      cues: [],
      landmarksEnc: await phiCipherFor(env).encrypt("[]", {
        table: "posture_analyses",
        column: "landmarks",
        rowId: id,
      }),
      createdAt: new Date().toISOString(),
    });
  return { id };
}
