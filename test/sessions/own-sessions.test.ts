/**
 * Seed 000 `GET /patients/sessions`: the calling patient's own exercise sessions (not
 * appointments, which a patient reads at `/patients/appointments` and `/appointments`).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import { createSession, sessionClinic } from "./helpers";

const auditOf = async (requestId: string | null) =>
  (
    await env.DB.prepare(
      "SELECT action, outcome, actor_id FROM audit_log WHERE request_id = ? ORDER BY id",
    )
      .bind(requestId)
      .all<{ action: string; outcome: string; actor_id: string }>()
  ).results;

describe("happy", () => {
  it("lists only the calling patient's exercise sessions, newest first, audited", async () => {
    const { clinic } = await sessionClinic();
    const first = await createSession(clinic);
    const second = await createSession(clinic, { exercise_type: "lunge" });
    await createSession(
      clinic,
      { patient_id: clinic.otherPatient.id },
      clinic.otherPatientUser.token,
    );
    const res = await api("GET", "/api/v1/patients/sessions", { token: clinic.patientUser.token });
    const body = expectStatus(res, 200).body;
    expect(body.data.map((s: any) => s.id)).toEqual([second.session_id, first.session_id]);
    expect(body.data[0]).toMatchObject({ patient_id: clinic.patient.id, status: "pending" });
    expect(body.pagination).toMatchObject({ total_items: 2 });
    expect(await auditOf(res.headers.get("x-request-id"))).toMatchObject([
      { action: "exercise_session.listed", outcome: "success", actor_id: clinic.patientUser.id },
    ]);
  });

  it("filters by exercise type and status and pages", async () => {
    const { clinic } = await sessionClinic();
    const squat = await createSession(clinic);
    await createSession(clinic, { exercise_type: "lunge" });
    const token = clinic.patientUser.token;
    const bySlug = await api("GET", "/api/v1/patients/sessions?exercise_type=squat", { token });
    expect(expectStatus(bySlug, 200).body.data.map((s: any) => s.id)).toEqual([squat.session_id]);
    const none = await api("GET", "/api/v1/patients/sessions?status=reviewed", { token });
    expect(expectStatus(none, 200).body.data).toEqual([]);
    const page = await api("GET", "/api/v1/patients/sessions?page_size=1&page=2", { token });
    expect(expectStatus(page, 200).body.pagination).toMatchObject({
      page: 2,
      total_items: 2,
      total_pages: 2,
    });
  });
});

describe("errors", () => {
  it("names bad query fields (422)", async () => {
    const { clinic } = await sessionClinic();
    const res = await api("GET", "/api/v1/patients/sessions?status=nope&page_size=0", {
      token: clinic.patientUser.token,
    });
    const fields = expectStatus(res, 422).body.error.details.map((d: any) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["query.status", "query.page_size"]));
  });
});

describe("security", () => {
  it("is for patients only: staff and family get an audited 403", async () => {
    const { clinic } = await sessionClinic();
    await createSession(clinic);
    for (const user of [clinic.physio, clinic.admin, clinic.family]) {
      const res = await api("GET", "/api/v1/patients/sessions", { token: user.token });
      expectStatus(res, 403);
      expect(await auditOf(res.headers.get("x-request-id"))).toMatchObject([
        { action: "exercise_session.listed", outcome: "denied", actor_id: user.id },
      ]);
    }
  });

  it("needs a token (401)", async () => {
    expectStatus(await api("GET", "/api/v1/patients/sessions"), 401);
  });
});
