import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import {
  auditOf,
  expectNoPlaintext,
  expectOneAudit,
  fieldsOf,
  rawRows,
  vitalsBody as vitals,
} from "./helpers";

const P = "/api/v1/patients";

describe("patient records: happy", () => {
  it("adds diagnoses, medications, allergies and vitals, and shows the active ones on the record", async () => {
    const clinic = await createClinic();
    const base = `${P}/${clinic.patient.id}`;
    const token = clinic.physio.token;
    const diagnosis = await api("POST", `${base}/diagnoses`, {
      token,
      body: { diagnosis: "Type 2 Diabetes", diagnosed_date: "2023-06-01" },
    });
    expectStatus(diagnosis, 201);
    expect(diagnosis.body.data).toMatchObject({
      diagnosis: "Type 2 Diabetes",
      diagnosed_date: "2023-06-01",
      is_active: true,
      patient_id: clinic.patient.id,
      created_by: clinic.physio.id,
    });
    expect(await expectOneAudit(diagnosis, "diagnosis.created")).toMatchObject({
      resource_id: diagnosis.body.data.id,
    });
    expectStatus(
      await api("POST", `${base}/diagnoses`, {
        token,
        body: { diagnosis: "Resolved ankle sprain", is_active: false },
      }),
      201,
    );

    const medication = expectStatus(
      await api("POST", `${base}/medications`, {
        token: clinic.admin.token,
        body: {
          name: "Metformin",
          dosage: "1000mg",
          frequency: "Twice Daily",
          start_date: "2023-06-01",
          prescribing_doctor_id: clinic.doctor.id,
        },
      }),
      201,
    );
    expect(medication.body.data).toMatchObject({
      name: "Metformin",
      dosage: "1000mg",
      frequency: "Twice Daily",
      end_date: null,
      prescribing_doctor_id: clinic.doctor.id,
    });
    const allergy = expectStatus(
      await api("POST", `${base}/allergies`, {
        token,
        body: { allergy: "Penicillin", severity: "moderate", reaction_description: "Causes rash" },
      }),
      201,
    );
    expect(allergy.body.data).toMatchObject({
      allergy: "Penicillin",
      severity: "moderate",
      reaction_description: "Causes rash",
    });
    const older = expectStatus(
      await api("POST", `${base}/vitals`, {
        token,
        body: vitals({ recorded_date: "2024-01-15T10:30:00Z" }),
      }),
      201,
    );
    expect(older.body.data).toMatchObject({
      systolic_bp: 122,
      diastolic_bp: 78,
      temperature: 36.8,
      recorded_date: "2024-01-15T10:30:00.000Z",
      recorded_by: clinic.physio.id,
    });
    const latest = expectStatus(
      await api("POST", `${base}/vitals`, { token, body: { heart_rate: 88 } }),
      201,
    );
    expect(latest.body.data).toMatchObject({ heart_rate: 88, systolic_bp: null, notes: null });

    const record = expectStatus(await api("GET", base, { token: clinic.patientUser.token }), 200)
      .body.data;
    expect(record.diagnoses.map((d: any) => d.diagnosis)).toEqual(["Type 2 Diabetes"]);
    expect(record.medications.map((m: any) => m.name)).toEqual(["Metformin"]);
    expect(record.allergies).toMatchObject([{ allergy: "Penicillin", severity: "moderate" }]);
    expect(record.vitals.map((v: any) => v.id)).toEqual([latest.body.data.id, older.body.data.id]);

    const all = expectStatus(await api("GET", `${base}/diagnoses`, { token }), 200);
    expect(all.body.data.map((d: any) => d.is_active)).toEqual([false, true]);
    expect(all.body.pagination).toMatchObject({ total_items: 2, page: 1 });
    await expectOneAudit(all, "diagnosis.listed");
    const meds = expectStatus(
      await api("GET", `${base}/medications`, { token: clinic.patientUser.token }),
      200,
    );
    expect(meds.body.data).toHaveLength(1);
    const allergies = expectStatus(
      await api("GET", `${base}/allergies?page_size=1`, { token }),
      200,
    );
    expect(allergies.body.pagination).toEqual({
      page: 1,
      page_size: 1,
      total_items: 1,
      total_pages: 1,
    });
  });
});

describe("patient records: errors", () => {
  it("validates the other sub-records", async () => {
    const clinic = await createClinic();
    const base = `${P}/${clinic.patient.id}`;
    const token = clinic.physio.token;
    const dates = expectStatus(
      await api("POST", `${base}/medications`, {
        token,
        body: { name: "X", start_date: "2024-02-01", end_date: "2024-01-01" },
      }),
      422,
    );
    expect(fieldsOf(dates)).toEqual(["end_date"]);
    const doctor = expectStatus(
      await api("POST", `${base}/medications`, {
        token,
        body: { name: "X", prescribing_doctor_id: clinic.nurse.id },
      }),
      422,
    );
    expect(fieldsOf(doctor)).toEqual(["prescribing_doctor_id"]);
    const severity = expectStatus(
      await api("POST", `${base}/allergies`, {
        token,
        body: { allergy: "Latex", severity: "deadly" },
      }),
      422,
    );
    expect(fieldsOf(severity)).toEqual(["severity"]);
    const blank = expectStatus(
      await api("POST", `${base}/diagnoses`, { token, body: { diagnosis: "  " } }),
      422,
    );
    expect(fieldsOf(blank)).toEqual(["diagnosis"]);
    const icd = expectStatus(
      await api("POST", `${base}/diagnoses`, {
        token,
        body: { diagnosis: "Diabetes", icd10_code: "diabetes" },
      }),
      422,
    );
    expect(fieldsOf(icd)).toEqual(["icd10_code"]);
    expectStatus(
      await api("POST", `${P}/${crypto.randomUUID()}/diagnoses`, {
        token: clinic.admin.token,
        body: { diagnosis: "X" },
      }),
      404,
    );
  });
});

describe("patient records: security", () => {
  it("needs a staff role and the care team to write, the relation to read; family never reads", async () => {
    const clinic = await createClinic();
    const base = `${P}/${clinic.patient.id}`;
    const body = { diagnosis: "Frozen shoulder" };
    // Staff off the care team: 404 like an unknown id; roles that never write: 403.
    for (const [token, status] of [
      [clinic.nurse.token, 404],
      [clinic.doctor.token, 404],
      [clinic.patientUser.token, 403],
      [clinic.family.token, 403],
    ] as const) {
      const res = expectStatus(await api("POST", `${base}/diagnoses`, { token, body }), status);
      expect(await auditOf(res)).toMatchObject([
        { action: "diagnosis.created", outcome: "denied" },
      ]);
    }
    expectStatus(await api("POST", `${base}/diagnoses`, { token: clinic.physio.token, body }), 201);
    expectStatus(await api("GET", `${base}/diagnoses`, { token: clinic.patientUser.token }), 200);
    const family = expectStatus(
      await api("GET", `${base}/diagnoses`, { token: clinic.family.token }),
      403,
    );
    await expectOneAudit(family, "diagnosis.listed", "denied");
    expectStatus(await api("GET", `${base}/vitals`, { token: clinic.otherPatientUser.token }), 404);
    const other = await createClinic();
    expectStatus(await api("GET", `${base}/allergies`, { token: other.admin.token }), 404);
    expectStatus(
      await api("POST", `${base}/vitals`, { token: other.admin.token, body: { heart_rate: 70 } }),
      404,
    );
  });

  it("stores no plaintext of the free text, dates or measurements sent", async () => {
    const clinic = await createClinic();
    const base = `${P}/${clinic.patient.id}`;
    const token = clinic.physio.token;
    expectStatus(
      await api("POST", `${base}/diagnoses`, {
        token,
        body: {
          diagnosis: "Adhesive capsulitis",
          diagnosed_date: "2022-11-30",
          icd10_code: "M75.0",
        },
      }),
      201,
    );
    expectStatus(
      await api("POST", `${base}/medications`, {
        token,
        body: {
          name: "Naproxenium",
          dosage: "550mg twice",
          frequency: "Every morning",
          start_date: "2022-12-01",
          end_date: "2023-01-31",
        },
      }),
      201,
    );
    expectStatus(
      await api("POST", `${base}/allergies`, {
        token,
        body: {
          allergy: "Shellfishes",
          severity: "severe",
          reaction_description: "Anaphylactic swelling",
        },
      }),
      201,
    );
    expectStatus(
      await api("POST", `${base}/vitals`, {
        token,
        body: vitals({ systolic_bp: 143, weight: 81.25 }),
      }),
      201,
    );
    const raw = [
      await rawRows("patient_diagnoses", "patient_id", clinic.patient.id),
      await rawRows("patient_medications", "patient_id", clinic.patient.id),
      await rawRows("patient_allergies", "patient_id", clinic.patient.id),
      await rawRows("patient_vitals", "patient_id", clinic.patient.id),
    ].join("\n");
    expectNoPlaintext(raw, [
      "Adhesive capsulitis",
      "2022-11-30",
      "M75.0",
      "Naproxenium",
      "550mg twice",
      "Every morning",
      "2022-12-01",
      "2023-01-31",
      "Shellfishes",
      "Anaphylactic",
      "Resting, seated",
      "systolic",
      "81.25",
    ]);
  });
});
