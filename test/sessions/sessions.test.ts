/** Exercise sessions: create (seed 000 §1), read, list, update, delete, the status machine. */
import { describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import { insertAssignment } from "../exercises/helpers";
import {
  auditActions,
  createSession,
  rawRows,
  sessionClinic,
  squatFrames,
  uploadFrames,
} from "./helpers";

const INSTRUCTIONS = "Avoid deep flexion after the meniscus repair";

describe("happy", () => {
  it("creates a session with a signed video upload URL and the pose data URL", async () => {
    const { clinic } = await sessionClinic();
    const created = await createSession(clinic, {
      instructions: INSTRUCTIONS,
      estimated_duration: 60,
    });
    expect(created.status).toBe("pending");
    expect(created.upload_urls.metadata).toMatch(
      new RegExp(`/api/v1/sessions/${created.session_id}/data$`),
    );
    expect(created.upload_urls.video).toMatch(/^https?:\/\//);
    expect(created.upload_urls.video).not.toContain(clinic.patient.id);
    expect(Date.parse(created.expires_at)).toBeGreaterThan(Date.now());

    const detail = expectStatus(
      await api("GET", `/api/v1/sessions/${created.session_id}`, { token: clinic.physio.token }),
      200,
    ).body.data;
    expect(detail.session).toMatchObject({
      id: created.session_id,
      patient_id: clinic.patient.id,
      exercise_type: "squat",
      status: "pending",
      instructions: INSTRUCTIONS,
      estimated_duration: 60,
    });
    expect(detail.session.patient_name).toMatch(/^Pat /);
    expect(detail.pose_data.frame_count).toBe(0);
    expect(detail.review).toBeNull();
    // Instructions are stored only encrypted.
    const [raw] = await rawRows("exercise_sessions", "id", created.session_id);
    expect(JSON.stringify(raw)).not.toContain("meniscus");
    expect((await auditActions(created.session_id)).map((a) => a.action)).toContain(
      "exercise_session.created",
    );
  });

  it("links a session to an assignment and takes its exercise from it", async () => {
    const { clinic, catalog } = await sessionClinic();
    const assignment = await insertAssignment({
      workspaceId: clinic.workspaceId,
      patientId: clinic.patient.id,
      assignedBy: clinic.physio.id,
      typeId: catalog.lunge!.id,
    });
    const created = await createSession(clinic, {
      exercise_type: undefined,
      assignment_id: assignment.id,
    });
    const list = expectStatus(
      await api("GET", `/api/v1/sessions?assignment_id=${assignment.id}`, {
        token: clinic.patientUser.token,
      }),
      200,
    ).body;
    expect(list.data.map((s: any) => s.id)).toEqual([created.session_id]);
    expect(list.data[0].exercise_type).toBe("lunge");
  });

  it("lists with filters and pagination, only the caller's visible patients", async () => {
    const { clinic } = await sessionClinic();
    const a = await createSession(clinic);
    await createSession(clinic, { exercise_type: "lunge" });
    await createSession(
      clinic,
      { patient_id: clinic.otherPatient.id },
      clinic.otherPatientUser.token,
    );
    const physio = await api("GET", "/api/v1/sessions?exercise_type=squat", {
      token: clinic.physio.token,
    });
    expect(expectStatus(physio, 200).body.data.map((s: any) => s.id)).toEqual([a.session_id]);
    const mine = await api("GET", "/api/v1/sessions?page_size=1", {
      token: clinic.patientUser.token,
    });
    expect(mine.body.pagination).toMatchObject({ total_items: 2, total_pages: 2 });
    const admin = await api("GET", "/api/v1/sessions", { token: clinic.admin.token });
    expect(admin.body.pagination.total_items).toBe(3);
  });

  it("moves pending → recording by PUT and updates metadata (clinician)", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const moved = await api("PUT", `/api/v1/sessions/${session_id}`, {
      token: clinic.patientUser.token,
      body: { status: "recording", frame_size: { width: 720, height: 1280 } },
    });
    expect(expectStatus(moved, 200).body.data.status).toBe("recording");
    const changed = await api("PUT", `/api/v1/sessions/${session_id}`, {
      token: clinic.physio.token,
      body: { instructions: "Slower on the way down", estimated_duration: 90 },
    });
    expect(expectStatus(changed, 200).body.data).toMatchObject({
      instructions: "Slower on the way down",
      estimated_duration: 90,
      status: "recording",
    });
  });

  it("deletes an unreviewed session with its pose chunks", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    await uploadFrames(clinic.patientUser.token, session_id, squatFrames({ reps: 1 }), 50);
    const chunks = await rawRows("session_pose_chunks", "session_id", session_id);
    expect(chunks.length).toBeGreaterThan(0);
    expectStatus(
      await api("DELETE", `/api/v1/sessions/${session_id}`, { token: clinic.patientUser.token }),
      204,
    );
    expect(await rawRows("session_pose_chunks", "session_id", session_id)).toHaveLength(0);
    const { env } = await import("cloudflare:test");
    expect(await env.MEDIA.get(String(chunks[0]!.object_key))).toBeNull();
    expectStatus(
      await api("GET", `/api/v1/sessions/${session_id}`, { token: clinic.admin.token }),
      404,
    );
  });
});

describe("errors", () => {
  it("names the bad fields of a create", async () => {
    const { clinic } = await sessionClinic();
    const res = await api("POST", "/api/v1/sessions", {
      token: clinic.patientUser.token,
      body: { patient_id: "nope", estimated_duration: -1, frame_size: { width: 0, height: 1 } },
    });
    expectStatus(res, 422);
    const fields = res.body.error.details.map((d: any) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(["patient_id", "estimated_duration", "frame_size.width"]),
    );
  });

  it("refuses an unknown exercise and a missing one with 422", async () => {
    const { clinic } = await sessionClinic();
    const unknown = await api("POST", "/api/v1/sessions", {
      token: clinic.patientUser.token,
      body: { patient_id: clinic.patient.id, exercise_type: "moonwalk" },
    });
    expect(expectStatus(unknown, 422).body.error.details[0].field).toBe("exercise_type");
    const missing = await api("POST", "/api/v1/sessions", {
      token: clinic.patientUser.token,
      body: { patient_id: clinic.patient.id },
    });
    expect(expectStatus(missing, 422).body.error.details[0].field).toBe("exercise_type");
  });

  it("answers 409 to every illegal status transition", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    for (const status of ["processing", "review_pending", "reviewed", "completed"]) {
      const res = await api("PUT", `/api/v1/sessions/${session_id}`, {
        token: clinic.physio.token,
        body: { status },
      });
      expect(expectStatus(res, 409).body.error.details[0].field).toBe("status");
    }
    const complete = await api("POST", `/api/v1/sessions/${session_id}/complete`, {
      token: clinic.patientUser.token,
    });
    expect(expectStatus(complete, 422).body.error.details[0].field).toBe("frames");
  });

  it("refuses a patient changing clinician fields (403, audited)", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const res = await api("PUT", `/api/v1/sessions/${session_id}`, {
      token: clinic.patientUser.token,
      body: { instructions: "none" },
    });
    expectStatus(res, 403);
    const audits = await auditActions(session_id);
    expect(audits).toContainEqual({ action: "exercise_session.updated", outcome: "denied" });
  });
});

describe("security", () => {
  it("hides another workspace's session (404) and lets family see only a summary", async () => {
    const { clinic } = await sessionClinic();
    const { clinic: other } = await sessionClinic();
    const { session_id } = await createSession(clinic, { instructions: INSTRUCTIONS });
    expectStatus(
      await api("GET", `/api/v1/sessions/${session_id}`, { token: other.admin.token }),
      404,
    );
    const family = expectStatus(
      await api("GET", `/api/v1/sessions/${session_id}`, { token: clinic.family.token }),
      200,
    ).body.data;
    expect(family.summary_only).toBe(true);
    expect(JSON.stringify(family)).not.toContain("meniscus");
    const frames = await api("GET", `/api/v1/sessions/${session_id}/frames`, {
      token: clinic.family.token,
    });
    expectStatus(frames, 403);
    const list = expectStatus(
      await api("GET", "/api/v1/sessions", { token: clinic.family.token }),
      200,
    );
    expect(list.body.data.every((s: any) => s.summary_only === true)).toBe(true);
  });

  it("keeps a patient away from another patient's sessions (404)", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const res = await api("GET", `/api/v1/sessions/${session_id}`, {
      token: clinic.otherPatientUser.token,
    });
    expectStatus(res, 404);
    const create = await api("POST", "/api/v1/sessions", {
      token: clinic.otherPatientUser.token,
      body: { patient_id: clinic.patient.id, exercise_type: "squat" },
    });
    expectStatus(create, 404);
  });
});
