import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { auditActions, draftNote, N, PASSWORD, rawNoteText, soap } from "./helpers";

describe("clinical notes: happy", () => {
  it("runs draft → autosave → finalize → update → sign → addendum → versions → delete → restore", async () => {
    const clinic = await createClinic();
    const token = clinic.physio.token;
    const note = await draftNote(clinic);
    expect(note).toMatchObject({ is_draft: true, is_signed: false, version: 0 });
    expect(Object.keys(note.sections as object)).toEqual([
      "subjective",
      "objective",
      "assessment",
      "plan",
    ]);

    // Autosave: one per 5 s per note.
    const saved = await api("PATCH", `${N}/${note.id}/draft`, {
      token,
      body: { sections: { objective: soap.objective } },
    });
    expectStatus(saved, 200);
    const throttled = await api("PATCH", `${N}/${note.id}/draft`, {
      token,
      body: { sections: { assessment: soap.assessment } },
    });
    expectStatus(throttled, 429);
    const retry = Number(throttled.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(5);
    expect(await auditActions(saved.headers.get("x-request-id"))).toEqual([
      "clinical_note.autosaved:success",
    ]);

    // Finalizing needs every required section.
    const early = await api("POST", `${N}/${note.id}/finalize`, { token });
    expectStatus(early, 422);
    expect(early.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      "sections.assessment",
      "sections.plan",
    ]);
    expectStatus(
      await api("PUT", `${N}/${note.id}`, {
        token,
        body: { sections: { assessment: soap.assessment, plan: soap.plan } },
      }),
      200,
    );
    const final = await api("POST", `${N}/${note.id}/finalize`, { token });
    expectStatus(final, 200);
    expect(final.body.data).toMatchObject({ is_draft: false, version: 1 });
    expectStatus(await api("POST", `${N}/${note.id}/finalize`, { token }), 422);

    // A finalized note gains a version on update.
    const updated = await api("PUT", `${N}/${note.id}`, {
      token,
      body: { sections: { plan: "Continue quad sets 3x10 daily; add step-ups." } },
    });
    expectStatus(updated, 200);
    expect(updated.body.data.version).toBe(2);

    // Sign with the password: locked, later changes are addenda.
    expectStatus(
      await api("POST", `${N}/${note.id}/sign`, { token, body: { password: "wrong" } }),
      403,
    );
    const signed = await api("POST", `${N}/${note.id}/sign`, {
      token,
      body: { password: PASSWORD },
    });
    expectStatus(signed, 200);
    expect(signed.body.data).toMatchObject({ id: note.id, signed_by: clinic.physio.id });
    const addendum = await api("PUT", `${N}/${note.id}`, {
      token,
      body: { sections: { plan: "Addendum: patient called, swelling settled." } },
    });
    expectStatus(addendum, 200);
    expect(addendum.body.data.sections.plan).toBe("Continue quad sets 3x10 daily; add step-ups.");
    expect(addendum.body.data.addenda).toMatchObject([
      {
        section: "plan",
        text: "Addendum: patient called, swelling settled.",
        author_id: clinic.physio.id,
      },
    ]);
    expectStatus(
      await api("PUT", `${N}/${note.id}`, { token, body: { visit_reason: "Changed" } }),
      409,
    );

    const versions = await api("GET", `${N}/${note.id}/versions`, { token });
    expectStatus(versions, 200);
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.body.data[1].sections.plan).toBe(soap.plan);

    // Only an admin deletes a signed note. Soft delete hides it; restore brings it back; the
    // admin cannot destroy it within 7 years.
    expectStatus(await api("DELETE", `${N}/${note.id}`, { token }), 403);
    expectStatus(await api("DELETE", `${N}/${note.id}`, { token: clinic.admin.token }), 204);
    expectStatus(await api("GET", `${N}/${note.id}`, { token }), 404);
    const purge = await api("DELETE", `${N}/${note.id}/permanent`, { token: clinic.admin.token });
    expectStatus(purge, 409);
    expect(purge.body.error.details.retention_until).toMatch(/^\d{4}-/);
    const restored = await api("POST", `${N}/${note.id}/restore`, { token });
    expectStatus(restored, 200);
    expect(restored.body.data.deleted_at).toBeNull();
    const got = await api("GET", `${N}/${note.id}`, { token });
    expectStatus(got, 200);
    expect(got.body.data).toMatchObject({
      is_signed: true,
      version: 2,
      visit_reason: "Knee review after arthroplasty",
    });

    // Nothing of the note's text is stored in the clear.
    const raw = await rawNoteText(note.id);
    for (const text of [soap.subjective, soap.objective, "swelling settled", "arthroplasty"]) {
      expect(raw).not.toContain(text);
    }
  });

  it("permanently deletes a soft-deleted draft, and a finalized note past its retention", async () => {
    const clinic = await createClinic();
    const draft = await draftNote(clinic);
    expectStatus(
      await api("DELETE", `${N}/${draft.id}/permanent`, { token: clinic.admin.token }),
      409,
    );
    expectStatus(await api("DELETE", `${N}/${draft.id}`, { token: clinic.physio.token }), 204);
    const gone = await api("DELETE", `${N}/${draft.id}/permanent`, { token: clinic.admin.token });
    expectStatus(gone, 204);
    expect(await auditActions(gone.headers.get("x-request-id"))).toEqual([
      "clinical_note.purged:success",
    ]);
    expect(await rawNoteText(draft.id)).toBe("[]\n[]\n[]\n[]");

    const old = await draftNote(clinic, { sections: soap, is_draft: false });
    await env.DB.prepare("UPDATE clinical_notes SET created_at = ? WHERE id = ?")
      .bind("2017-01-01T00:00:00.000Z", old.id)
      .run();
    expectStatus(await api("DELETE", `${N}/${old.id}`, { token: clinic.admin.token }), 204);
    expectStatus(
      await api("DELETE", `${N}/${old.id}/permanent`, { token: clinic.admin.token }),
      204,
    );
  });

  it("lists with filters and per patient; a retried create with client_id returns the first", async () => {
    const clinic = await createClinic();
    const a = await draftNote(clinic);
    const b = await draftNote(clinic, { sections: soap, is_draft: false, template_type: "soap" });
    const client_id = crypto.randomUUID();
    const first = await draftNote(clinic, { client_id });
    const again = await draftNote(clinic, { client_id });
    expect(again.id).toBe(first.id);
    const token = clinic.physio.token;
    const drafts = await api("GET", `${N}?is_draft=true&patient_id=${clinic.patient.id}`, {
      token,
    });
    expectStatus(drafts, 200);
    expect(drafts.body.data.map((n: { id: string }) => n.id).sort()).toEqual(
      [a.id, first.id].sort(),
    );
    const finals = await api("GET", `${N}?is_draft=false&author_id=${clinic.physio.id}`, { token });
    expect(finals.body.data.map((n: { id: string }) => n.id)).toEqual([b.id]);
    const today = new Date().toISOString().slice(0, 10);
    const dated = await api("GET", `${N}?start_date=${today}&end_date=${today}`, { token });
    expect(dated.body.pagination.total_items).toBe(3);
    const before = await api("GET", `${N}?end_date=2020-01-01`, { token });
    expect(before.body.data).toEqual([]);
    const perPatient = await api("GET", `/api/v1/patients/${clinic.patient.id}/clinical-notes`, {
      token,
    });
    expectStatus(perPatient, 200);
    expect(perPatient.body.pagination.total_items).toBe(3);
    // The doctor is on another patient's team: sees none of these.
    const doctor = await api("GET", N, { token: clinic.doctor.token });
    expect(doctor.body.data).toEqual([]);
  });

  it("lets the appointment's clinician write that appointment's note, and patients read finals when enabled", async () => {
    const clinic = await createClinic();
    const start = new Date(Date.now() + 86_400_000);
    start.setUTCMinutes(0, 0, 0);
    const appointment = await api("POST", "/api/v1/appointments", {
      token: clinic.admin.token,
      body: {
        patient_id: clinic.patient.id,
        clinician_id: clinic.nurse.id,
        scheduled_start: start.toISOString(),
        scheduled_end: new Date(start.getTime() + 1_800_000).toISOString(),
      },
    });
    expectStatus(appointment, 201);
    const nurse = await api("POST", N, {
      token: clinic.nurse.token,
      body: {
        patient_id: clinic.patient.id,
        template_type: "soap",
        appointment_id: appointment.body.data.id,
        sections: soap,
        is_draft: false,
      },
    });
    expectStatus(nurse, 201);
    expectStatus(
      await api("GET", `${N}/${nurse.body.data.id}`, { token: clinic.nurse.token }),
      200,
    );
    // Without the appointment the nurse (not on the care team) may not write a note.
    expectStatus(
      await api("POST", N, {
        token: clinic.nurse.token,
        body: { patient_id: clinic.patient.id, template_type: "soap" },
      }),
      404,
    );

    const draft = await draftNote(clinic);
    const patient = clinic.patientUser.token;
    expectStatus(await api("GET", `${N}/${nurse.body.data.id}`, { token: patient }), 404);
    expectStatus(
      await api("PUT", `${N}/settings`, {
        token: clinic.admin.token,
        body: { patients_see_finalized: true },
      }),
      200,
    );
    const own = await api("GET", `${N}/${nurse.body.data.id}`, { token: patient });
    expectStatus(own, 200);
    expect(own.body.data.sections.plan).toBe(soap.plan);
    expectStatus(await api("GET", `${N}/${draft.id}`, { token: patient }), 404);
    const list = await api("GET", N, { token: patient });
    expect(list.body.data.map((n: { id: string }) => n.id)).toEqual([nurse.body.data.id]);
    expectStatus(
      await api("GET", `${N}/${nurse.body.data.id}`, { token: clinic.family.token }),
      404,
    );
    expectStatus(await api("GET", N, { token: clinic.family.token }), 403);
  });
});

describe("clinical notes: errors", () => {
  it("names bad fields: unknown template, section, consultation type, appointment", async () => {
    const clinic = await createClinic();
    const token = clinic.physio.token;
    const cases: [Record<string, unknown>, string][] = [
      [{ template_type: "nope" }, "template_type"],
      [{ template_type: "soap", sections: { data: "x" } }, "sections.data"],
      [{ template_type: "soap", consultation_type: "nope" }, "consultation_type"],
      [{ template_type: "soap", appointment_id: crypto.randomUUID() }, "appointment_id"],
      [{ template_type: "soap", sections: { subjective: 5 } }, "sections.subjective"],
    ];
    for (const [body, field] of cases) {
      const res = await api("POST", N, { token, body: { patient_id: clinic.patient.id, ...body } });
      expectStatus(res, 422);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expectStatus(await api("POST", N, { token, body: { template_type: "soap" } }), 422);
    expectStatus(await api("GET", `${N}/not-a-uuid`, { token }), 422);
    expectStatus(
      await api("GET", `${N}?start_date=2025-02-01&end_date=2025-01-01`, { token }),
      422,
    );
    expectStatus(await api("GET", `${N}/${crypto.randomUUID()}`, { token }), 404);
  });

  it("refuses to sign a draft, autosave a final note, or re-sign; asks for the TOTP code when MFA is on", async () => {
    const clinic = await createClinic();
    const token = clinic.physio.token;
    const draft = await draftNote(clinic);
    expectStatus(
      await api("POST", `${N}/${draft.id}/sign`, { token, body: { password: PASSWORD } }),
      422,
    );
    const final = await draftNote(clinic, { sections: soap, is_draft: false });
    expectStatus(
      await api("PATCH", `${N}/${final.id}/draft`, { token, body: { sections: { plan: "x" } } }),
      409,
    );
    await env.DB.prepare("UPDATE users SET mfa_enabled = 1 WHERE id = ?")
      .bind(clinic.physio.id)
      .run();
    const noCode = await api("POST", `${N}/${final.id}/sign`, {
      token,
      body: { password: PASSWORD },
    });
    expectStatus(noCode, 422);
    expect(noCode.body.error.details[0].field).toBe("mfa_code");
    expectStatus(
      await api("POST", `${N}/${final.id}/sign`, {
        token,
        body: { password: PASSWORD, mfa_code: "000000" },
      }),
      403,
    );
  });
});

describe("clinical notes: security", () => {
  it("audits reads and denials; staff outside the care team and another workspace get 404", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    const note = await draftNote(clinic);
    const read = await api("GET", `${N}/${note.id}`, { token: clinic.admin.token });
    expectStatus(read, 200);
    expect(await auditActions(read.headers.get("x-request-id"))).toEqual([
      "clinical_note.read:success",
    ]);
    const doctor = await api("GET", `${N}/${note.id}`, { token: clinic.doctor.token });
    // Outside the relation: the 404 of an unknown note (issue 12, no existence oracle).
    expectStatus(doctor, 404);
    expect(await auditActions(doctor.headers.get("x-request-id"))).toEqual([
      "clinical_note.read:denied",
    ]);
    expectStatus(await api("GET", `${N}/${note.id}`, { token: other.admin.token }), 404);
    // Admins manage but do not author.
    expectStatus(
      await api("PUT", `${N}/${note.id}`, {
        token: clinic.admin.token,
        body: { sections: { plan: "x" } },
      }),
      403,
    );
  });
});
