/**
 * Patient context in the scribe (seed 002 §4.1): active diagnoses, medications, allergies and
 * analysed sessions go into the prompt as background; responses and the audit carry ids only.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { scribePrompt } from "../../src/ai/scribe";
import { gatherPatientContext } from "../../src/modules/scribe/scribe.context";
import { NOTE_TEMPLATES } from "../../src/modules/templates/templates.definitions";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { testContext } from "../platform/context";
import { insertSession } from "../sessions/helpers";

const P = "/api/v1/patients";

async function post(clinic: Clinic, path: string, body: unknown) {
  const res = await api("POST", `${P}/${clinic.patient.id}/${path}`, {
    token: clinic.physio.token,
    body,
  });
  expectStatus(res, 201);
  return res.body.data.id as string;
}

/** A diagnosis, an inactive one, a medication, an allergy and an analysed session. */
async function seedRecords(clinic: Clinic) {
  const diagnosis = await post(clinic, "diagnoses", { diagnosis: "Rotator cuff tendinopathy" });
  await post(clinic, "diagnoses", { diagnosis: "Old ankle sprain", is_active: false });
  const medication = await post(clinic, "medications", {
    name: "Ibuprofen",
    dosage: "400 mg",
    frequency: "as needed",
  });
  const allergy = await post(clinic, "allergies", { allergy: "Latex", severity: "severe" });
  const session = await insertSession(clinic.workspaceId, clinic.patient.id, clinic.physio.id);
  const analysis = { form_issues: [{ type: "knee_valgus" }], rep_count: 8, quality_score: 0.72 };
  await env.DB.prepare(
    "UPDATE exercise_sessions SET analysis = ?, rep_count = 8, quality_score = 0.72, analyzed_at = ?, status = 'review_pending' WHERE id = ?",
  )
    .bind(JSON.stringify(analysis), new Date().toISOString(), session.id)
    .run();
  return { diagnosis, medication, allergy, session: session.id };
}

describe("scribe context: happy", () => {
  it("gathers active records and session summaries into the prompt", async () => {
    const clinic = await createClinic();
    const ids = await seedRecords(clinic);
    const ctx = testContext();
    ctx.caller = {
      userId: clinic.physio.id,
      workspaceId: clinic.workspaceId,
      role: "physiotherapist",
      sessionId: "test",
    };
    const { lines, used } = await gatherPatientContext(ctx, clinic.patient.id);
    expect(used).toEqual({
      diagnoses: [ids.diagnosis],
      medications: [ids.medication],
      allergies: [ids.allergy],
      exercise_sessions: [ids.session],
    });
    const { prompt } = scribePrompt({
      template: NOTE_TEMPLATES.find((t) => t.id === "soap")!,
      consultation: null,
      segments: [{ id: "s1", text: "Shoulder pain 4/10." }],
      context: lines,
    });
    expect(prompt).toContain("Diagnosis: Rotator cuff tendinopathy");
    expect(prompt).not.toContain("Old ankle sprain");
    expect(prompt).toContain("Medication: Ibuprofen 400 mg as needed");
    expect(prompt).toContain("Allergy: Latex (severe)");
    expect(prompt).toMatch(/Exercise session .* 8 reps, quality 72%.*knee_valgus/);
  });

  it("generate-note and generate-suggestions return context_used ids; the audit has no text", async () => {
    const clinic = await createClinic();
    const ids = await seedRecords(clinic);
    const res = await api("POST", "/api/v1/scribe/generate-note", {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, template_type: "soap", text: "Pain 4/10." },
    });
    expectStatus(res, 201);
    expect(res.body.data.context_used).toEqual({
      diagnoses: [ids.diagnosis],
      medications: [ids.medication],
      allergies: [ids.allergy],
      exercise_sessions: [ids.session],
    });
    const sug = await api("POST", "/api/v1/scribe/generate-suggestions", {
      token: clinic.physio.token,
      body: { note_id: res.body.data.note_id, text: "BP 120/80." },
    });
    expectStatus(sug, 201);
    expect(sug.body.data.context_used.allergies).toEqual([ids.allergy]);
    const rows = await env.DB.prepare(
      "SELECT metadata FROM audit_log WHERE action = 'scribe.generated' AND resource_id = ?",
    )
      .bind(res.body.data.note_id)
      .all<{ metadata: string }>();
    expect(rows.results.length).toBe(2);
    for (const r of rows.results) {
      expect(JSON.parse(r.metadata).context_used.diagnoses).toEqual([ids.diagnosis]);
      expect(r.metadata).not.toMatch(/Latex|Ibuprofen|Rotator/);
    }
  });
});

describe("scribe context: errors", () => {
  it("a patient without records gives empty context, not an error", async () => {
    const clinic = await createClinic();
    const res = await api("POST", "/api/v1/scribe/generate-note", {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, template_type: "soap", text: "Pain 4/10." },
    });
    expectStatus(res, 201);
    expect(res.body.data.context_used).toEqual({
      diagnoses: [],
      medications: [],
      allergies: [],
      exercise_sessions: [],
    });
  });
});

describe("scribe context: security", () => {
  it("gathers nothing for a caller outside the patient's care team (404, audited)", async () => {
    const clinic = await createClinic();
    await seedRecords(clinic);
    const ctx = testContext();
    ctx.caller = {
      userId: clinic.doctor.id,
      workspaceId: clinic.workspaceId,
      role: "doctor",
      sessionId: "test",
    };
    await expect(gatherPatientContext(ctx, clinic.patient.id)).rejects.toMatchObject({
      status: 404,
    });
    const denied = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'scribe.read' AND resource_id = ? AND outcome <> 'success'",
    )
      .bind(clinic.patient.id)
      .first<{ n: number }>();
    expect(denied!.n).toBeGreaterThan(0);
  });
});
