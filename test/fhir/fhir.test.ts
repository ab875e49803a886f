/**
 * The FHIR R4 export against the standard: a patient with every kind of record (built through the
 * API), exported with $everything, and every resource run through the FHIR R4 validator built
 * from the official definitions (test/fhir/fhir-validator.ts); errors are OperationOutcomes.
 */
import { env } from "cloudflare:test";
import type { Bundle, Observation, Resource } from "@medplum/fhirtypes";
import { describe, expect, it } from "vitest";
import { createClinic, PASSWORD } from "../helpers/fixtures";
import { api, expectStatus, type ApiResponse } from "../helpers/http";
import { waitForAuditRows } from "../helpers/queued-audit";
import { draftNote, N, soap } from "../clinical-notes/helpers";
import { sessionClinic, createSession, squatFrames, uploadFrames } from "../sessions/helpers";
import { book } from "../scheduling/helpers";
import { errorsOf, issuesOf } from "./fhir-validator";

const F = "/api/v1/fhir";

function fhir(res: ApiResponse, status: number) {
  expectStatus(res, status);
  expect(res.headers.get("content-type")).toContain("application/fhir+json");
  return res.body as Resource;
}

/** A 4xx answer: an OperationOutcome that validates, with the API's error code inside. */
function expectOutcome(res: ApiResponse, status: number, code: string) {
  const outcome = fhir(res, status);
  expect(outcome.resourceType, res.text).toBe("OperationOutcome");
  expect(errorsOf(outcome)).toEqual([]);
  expect(res.body.issue[0].details.coding[0].code).toBe(code);
}

/** Adds one record of every kind for clinic.patient, through the API. */
async function chartEverything() {
  const { clinic, catalog } = await sessionClinic();
  const pid = clinic.patient.id;
  const staff = clinic.physio.token;
  const post = async (path: string, body: unknown, token = staff) =>
    expectStatus(await api("POST", path, { token, body }), 201).body.data;
  await api("PUT", `/api/v1/patients/${pid}`, {
    token: staff,
    body: {
      phone_number: "+15550101234",
      email: "ada@example.org",
      address: "1 Main St, Springfield",
    },
  });
  await post(`/api/v1/patients/${pid}/diagnoses`, {
    diagnosis: "Type 2 diabetes mellitus without complications",
    icd10_code: "e11.9",
    diagnosed_date: "2021-04-02",
  });
  await post(`/api/v1/patients/${pid}/diagnoses`, {
    diagnosis: "Knee stiffness",
    is_active: false,
  });
  await post(`/api/v1/patients/${pid}/medications`, {
    name: "Metformin",
    dosage: "500mg",
    frequency: "Twice daily",
    start_date: "2021-04-02",
  });
  await post(`/api/v1/patients/${pid}/allergies`, {
    allergy: "Penicillin",
    severity: "severe",
    reaction_description: "Hives",
  });
  await post(`/api/v1/patients/${pid}/allergies`, { allergy: "Latex" });
  await post(`/api/v1/patients/${pid}/vitals`, {
    systolic_bp: 128,
    diastolic_bp: 82,
    heart_rate: 71,
    weight: 81.5,
    height: 178,
    temperature: 36.8,
    respiration_rate: 14,
    oxygen_saturation: 98,
  });
  await book(clinic);
  const assignment = await post("/api/v1/exercises", {
    patient_id: pid,
    exercise_type_id: catalog.squat!.id,
    sets: 3,
    repetitions: 10,
    frequency: "3 times per week",
    due_date: "2031-02-01",
    instructions: "Slow and controlled",
  });
  const session = await createSession(clinic, {
    exercise_type: undefined,
    assignment_id: assignment.id,
  });
  await uploadFrames(clinic.patientUser.token, session.session_id, squatFrames({ reps: 4 }), 400);
  expectStatus(
    await api("POST", `/api/v1/sessions/${session.session_id}/complete`, {
      token: clinic.patientUser.token,
    }),
    200,
  );
  const note = await draftNote(clinic, {
    sections: { ...soap, subjective: "Knee pain on stairs — better" },
  });
  expectStatus(await api("POST", `${N}/${note.id}/finalize`, { token: staff }), 200);
  expectStatus(
    await api("POST", `${N}/${note.id}/sign`, { token: staff, body: { password: PASSWORD } }),
    200,
  );
  // An unsigned draft is not exported.
  await draftNote(clinic);
  return { clinic, assignment, session, note };
}

const codesOf = (r: { code?: { coding?: { code?: string }[] } }) =>
  (r.code?.coding ?? []).map((c) => c.code);

describe("happy", () => {
  it("exports everything about a patient, and every resource validates as FHIR R4", async () => {
    const { clinic, assignment, session, note } = await chartEverything();
    const res = await api("GET", `${F}/Patient/${clinic.patient.id}/$everything`, {
      token: clinic.physio.token,
    });
    const bundle = fhir(res, 200) as Bundle;
    expect(bundle.resourceType).toBe("Bundle");
    expect(bundle.type).toBe("collection");
    const resources = bundle.entry!.map((e) => e.resource!);

    const errors = [bundle, ...resources].flatMap((r) => errorsOf(r));
    expect(errors, JSON.stringify(errors, null, 1)).toEqual([]);

    const byType = (type: string) => resources.filter((r) => r.resourceType === type) as any[];
    const [patient] = byType("Patient");
    expect(patient.identifier[0]).toMatchObject({
      system: `https://rehab-edge.dev/fhir/sid/mrn/${clinic.workspaceId}`,
      value: clinic.patient.mrn,
    });
    expect(patient.telecom).toEqual([
      { system: "phone", value: "+15550101234" },
      { system: "email", value: "ada@example.org" },
    ]);
    expect(patient.address).toEqual([{ text: "1 Main St, Springfield" }]);
    expect(patient.name[0].family).toBeTruthy();

    const conditions = byType("Condition");
    expect(conditions).toHaveLength(2);
    const coded = conditions.find((c) => c.code.coding);
    expect(coded.code.coding).toEqual([
      { system: "http://hl7.org/fhir/sid/icd-10", code: "E11.9" },
    ]);
    expect(coded.onsetDateTime).toBe("2021-04-02");
    expect(conditions.map((c) => c.clinicalStatus.coding[0].code).sort()).toEqual([
      "active",
      "inactive",
    ]);
    expect(byType("MedicationStatement")[0]).toMatchObject({
      status: "active",
      medicationCodeableConcept: { text: "Metformin" },
      dosage: [{ text: "500mg, Twice daily" }],
    });
    expect(byType("AllergyIntolerance")).toHaveLength(2);

    const observations = byType("Observation") as Observation[];
    const vitals = observations.filter((o) => o.category?.[0]?.coding?.[0]?.code === "vital-signs");
    expect(vitals.map(codesOf).flat().sort()).toEqual(
      ["85354-9", "8867-4", "29463-7", "8302-2", "8310-5", "9279-1", "2708-6"].sort(),
    );
    const bp = vitals.find((o) => codesOf(o).includes("85354-9"))!;
    expect(bp.component!.map((c) => [c.code.coding![0]!.code, c.valueQuantity])).toEqual([
      ["8480-6", { value: 128, unit: "mmHg", system: "http://unitsofmeasure.org", code: "mm[Hg]" }],
      ["8462-4", { value: 82, unit: "mmHg", system: "http://unitsofmeasure.org", code: "mm[Hg]" }],
    ]);
    const weight = vitals.find((o) => codesOf(o).includes("29463-7"))!;
    expect(weight.valueQuantity).toMatchObject({ value: 81.5, code: "kg" });

    const activity = observations.filter((o) => o.category?.[0]?.coding?.[0]?.code === "activity");
    const reps = activity.find((o) => codesOf(o).includes("repetition-count"))!;
    expect(reps.valueQuantity!.value).toBe(4);
    expect(reps.basedOn).toEqual([{ reference: `ServiceRequest/${assignment.id}` }]);
    expect(reps.id).toBe(`${session.session_id}.reps`);
    const rom = activity.find((o) => codesOf(o).includes("range-of-motion"))!;
    const knee = rom.component!.find(
      (c) => c.code.coding![0]!.code === "range-of-motion.knee_left",
    )!;
    expect(knee.valueRange!.low!.value).toBeGreaterThan(85);
    expect(knee.valueRange!.high!.code).toBe("deg");

    expect(byType("Appointment")[0]).toMatchObject({ status: "booked" });
    expect(byType("ServiceRequest")[0]).toMatchObject({
      id: assignment.id,
      status: "active",
      intent: "order",
      occurrenceTiming: { repeat: { frequency: 3, period: 1, periodUnit: "wk" } },
    });
    const docs = byType("DocumentReference");
    expect(docs.map((d) => d.id)).toEqual([note.id]);
    const attachment = docs[0].content[0].attachment;
    expect(attachment.contentType).toBe("text/plain; charset=utf-8");
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(attachment.data), (c) => c.charCodeAt(0)),
    );
    expect(text).toContain("Knee pain on stairs — better");
    expect(text).toContain("Electronically signed by");
    // The same note as the PDF export: a real PDF, its size stated.
    const pdf = docs[0].content[1].attachment;
    expect(pdf.contentType).toBe("application/pdf");
    const pdfBytes = Uint8Array.from(atob(pdf.data), (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(pdfBytes.slice(0, 5))).toBe("%PDF-");
    expect(pdf.size).toBe(pdfBytes.byteLength);

    // Every entry's fullUrl is its own, and references point at entries of the Bundle.
    const urls = new Set(bundle.entry!.map((e) => e.fullUrl));
    expect(urls.size).toBe(resources.length);
    for (const ref of JSON.stringify(resources).matchAll(/"reference":"([^"]+)"/g)) {
      expect(urls.has(`https://api.test${F}/${ref[1]}`), ref[1]).toBe(true);
    }

    // One audit row for the whole export, with the counts.
    const requestId = res.headers.get("x-request-id");
    await waitForAuditRows(requestId, 1);
    const rows = await env.DB.prepare(
      "select action, resource_id, outcome, metadata from audit_log where request_id = ?",
    )
      .bind(requestId)
      .all<{ action: string; resource_id: string; outcome: string; metadata: string }>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]).toMatchObject({
      action: "patient.exported",
      resource_id: clinic.patient.id,
      outcome: "success",
    });
    const metadata = JSON.parse(rows.results[0]!.metadata);
    expect(metadata.resource_count).toBe(resources.length);
    expect(metadata.counts.DocumentReference).toBe(1);
    expect(rows.results[0]!.metadata).not.toContain("Metformin");
  });

  it("reads a Patient, and the metadata is a valid CapabilityStatement", async () => {
    const clinic = await createClinic();
    const patient = fhir(
      await api("GET", `${F}/Patient/${clinic.patient.id}`, { token: clinic.patientUser.token }),
      200,
    );
    expect(patient).toMatchObject({ resourceType: "Patient", id: clinic.patient.id });
    expect(errorsOf(patient)).toEqual([]);

    const statement = fhir(await api("GET", `${F}/metadata`), 200) as any;
    expect(statement.resourceType).toBe("CapabilityStatement");
    expect(errorsOf(statement)).toEqual([]);
    const rest = statement.rest[0].resource;
    expect(rest.find((r: any) => r.type === "Patient")).toMatchObject({
      interaction: [{ code: "read" }],
      operation: [{ name: "everything" }],
    });
    expect(rest.filter((r: any) => r.interaction).map((r: any) => r.type)).toEqual(["Patient"]);
  });
});

describe("errors", () => {
  it("the validator catches a broken resource, so the checks above can fail", () => {
    const broken = {
      resourceType: "Observation",
      code: { coding: [{ system: "http://loinc.org", code: "8867-4" }] },
      valueQuantity: { value: "fast" },
    } as unknown as Resource;
    const errors = errorsOf(broken);
    expect(errors.join("\n")).toMatch(/status/);
    expect(
      issuesOf({ resourceType: "Observation", status: "final", code: { text: "x" } } as Resource),
    ).toEqual([]);
  });

  it("answers OperationOutcomes: 401 without a token, 422 for a malformed id, 404 for unknown paths", async () => {
    const clinic = await createClinic();
    expectOutcome(
      await api("GET", `${F}/Patient/${clinic.patient.id}/$everything`),
      401,
      "UNAUTHORIZED",
    );
    expectOutcome(
      await api("GET", `${F}/Patient/not-a-uuid`, { token: clinic.admin.token }),
      422,
      "VALIDATION_ERROR",
    );
    expectOutcome(
      await api("GET", `${F}/Observation/${clinic.patient.id}`, { token: clinic.admin.token }),
      404,
      "NOT_FOUND",
    );
  });
});

describe("security", () => {
  it("another workspace's patient and one outside the relation are 404, family 403; all audited", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    const cases: [string, string, number, string][] = [
      [other.admin.token, clinic.patient.id, 404, "NOT_FOUND"],
      [clinic.doctor.token, clinic.patient.id, 404, "NOT_FOUND"],
      [clinic.otherPatientUser.token, clinic.patient.id, 404, "NOT_FOUND"],
      [clinic.family.token, clinic.patient.id, 403, "FORBIDDEN"],
    ];
    for (const [token, id, status, code] of cases) {
      for (const path of [`${F}/Patient/${id}`, `${F}/Patient/${id}/$everything`]) {
        const res = await api("GET", path, { token });
        expectOutcome(res, status, code);
        const row = await env.DB.prepare(
          "select action, outcome from audit_log where request_id = ?",
        )
          .bind(res.headers.get("x-request-id"))
          .first<{ action: string; outcome: string }>();
        expect(row?.outcome, path).toMatch(/denied|not_found/);
      }
    }
  });
});
