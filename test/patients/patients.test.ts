import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus, type ApiError, type Ok } from "../helpers/http";
import type { PatientDetailResponse } from "../../src/modules/patients/patients.schemas";
import {
  auditOf,
  expectNoPlaintext,
  expectOneAudit,
  fieldsOf,
  patientBody,
  rawRows,
  uniqueMrn,
} from "./helpers";

const P = "/api/v1/patients";

describe("patients: happy", () => {
  it("creates, reads, updates and soft-deletes a record, one audit row per request", async () => {
    const clinic = await createClinic();
    const body = patientBody();
    const created = expectStatus(await api("POST", P, { token: clinic.admin.token, body }), 201);
    const patient = created.body.data;
    expect(patient).toMatchObject({
      mrn: body.mrn,
      first_name: "Amelia",
      last_name: "Stonebridge",
      name: "Amelia Stonebridge",
      date_of_birth: "1985-03-15",
      email: body.email,
      phone_number: body.phone_number,
      address: body.address,
      emergency_contact: body.emergency_contact,
      blood_type: "O+",
      consent_given: true,
      tags: ["knee", "post-op"],
      workspace_id: clinic.workspaceId,
    });
    expect(patient.consent_date).toBeTruthy();
    const createdAudit = await expectOneAudit(created, "patient.created");
    expect(createdAudit.resource_id).toBe(patient.id);

    const read = expectStatus(
      await api<Ok<PatientDetailResponse>>("GET", `${P}/${patient.id}`, {
        token: clinic.admin.token,
      }),
      200,
    );
    expect(read.body.data).toMatchObject({
      id: patient.id,
      mrn: body.mrn,
      diagnoses: [],
      medications: [],
      allergies: [],
      vitals: [],
    });
    await expectOneAudit(read, "patient.read");

    const updated = expectStatus(
      await api("PUT", `${P}/${patient.id}`, {
        token: clinic.admin.token,
        body: { last_name: "Rivers", address: "1 New Street", tags: ["hip"] },
      }),
      200,
    );
    expect(updated.body.data).toMatchObject({
      first_name: "Amelia",
      last_name: "Rivers",
      name: "Amelia Rivers",
      address: "1 New Street",
      tags: ["hip"],
      email: body.email,
    });
    const updateAudit = await expectOneAudit(updated, "patient.updated");
    expect(JSON.parse(updateAudit.metadata!)).toEqual({ fields: ["address", "last_name", "tags"] });
    expect(updateAudit.metadata).not.toContain("Rivers");

    // The name was re-indexed: the new word finds the record, the old one no longer does.
    const byNew = expectStatus(
      await api("GET", `${P}?search=rivers`, { token: clinic.admin.token }),
      200,
    );
    expect(byNew.body.data.map((p: any) => p.id)).toEqual([patient.id]);
    const byOld = expectStatus(
      await api("GET", `${P}?search=stonebridge`, { token: clinic.admin.token }),
      200,
    );
    expect(byOld.body.data).toEqual([]);

    const deleted = await api("DELETE", `${P}/${patient.id}`, { token: clinic.admin.token });
    expectStatus(deleted, 204);
    await expectOneAudit(deleted, "patient.deleted");
    expectStatus(await api("GET", `${P}/${patient.id}`, { token: clinic.admin.token }), 404);
    const list = expectStatus(
      await api("GET", `${P}?search=${body.mrn}`, { token: clinic.admin.token }),
      200,
    );
    expect(list.body.data).toEqual([]);
    const row = await env.DB.prepare("SELECT deleted_at FROM patients WHERE id = ?")
      .bind(patient.id)
      .first<{ deleted_at: string }>();
    expect(row?.deleted_at).toBeTruthy();
  });

  it("a clinician creating a patient joins its care team; care_team adds others", async () => {
    const clinic = await createClinic();
    const created = expectStatus(
      await api("POST", P, {
        token: clinic.physio.token,
        body: patientBody({ care_team: [clinic.nurse.id] }),
      }),
      201,
    ).body.data;
    const team = expectStatus(
      await api("GET", `${P}/${created.id}/care-team`, { token: clinic.nurse.token }),
      200,
    );
    expect(team.body.data.map((m: any) => m.user_id).sort()).toEqual(
      [clinic.physio.id, clinic.nurse.id].sort(),
    );
    expectStatus(await api("GET", `${P}/${created.id}`, { token: clinic.doctor.token }), 404);
  });
});

describe("patients: errors", () => {
  it("answers 409 DUPLICATE_ENTRY for an MRN already used in the workspace, on create and update", async () => {
    const clinic = await createClinic();
    const mrn = uniqueMrn();
    expectStatus(
      await api("POST", P, { token: clinic.admin.token, body: patientBody({ mrn }) }),
      201,
    );
    const again = expectStatus(
      await api("POST", P, {
        token: clinic.admin.token,
        body: patientBody({ mrn: ` ${mrn.toLowerCase()}` }),
      }),
      409,
    );
    expect(again.body.error.code).toBe("DUPLICATE_ENTRY");
    expect(fieldsOf(again)).toEqual(["mrn"]);
    const second = expectStatus(
      await api("POST", P, { token: clinic.admin.token, body: patientBody() }),
      201,
    ).body.data;
    const update = expectStatus(
      await api("PUT", `${P}/${second.id}`, { token: clinic.admin.token, body: { mrn } }),
      409,
    );
    expect(update.body.error.code).toBe("DUPLICATE_ENTRY");
    // Same MRN in another workspace is fine.
    const other = await createClinic();
    expectStatus(
      await api("POST", P, { token: other.admin.token, body: patientBody({ mrn }) }),
      201,
    );
  });

  it("refuses a user_id that is not a patient, an already linked one, and non-clinicians on the care team", async () => {
    const clinic = await createClinic();
    const notPatient = expectStatus(
      await api("POST", P, {
        token: clinic.admin.token,
        body: patientBody({ user_id: clinic.nurse.id }),
      }),
      422,
    );
    expect(fieldsOf(notPatient)).toEqual(["user_id"]);
    const linked = expectStatus(
      await api("POST", P, {
        token: clinic.admin.token,
        body: patientBody({ user_id: clinic.patientUser.id }),
      }),
      409,
    );
    expect(fieldsOf(linked)).toEqual(["user_id"]);
    const team = expectStatus(
      await api("POST", P, {
        token: clinic.admin.token,
        body: patientBody({ care_team: [clinic.physio.id, clinic.family.id] }),
      }),
      422,
    );
    expect(fieldsOf(team)).toEqual(["care_team.1"]);
  });

  it("answers 404 for unknown ids, and 422 naming the parameter for non-UUID ids", async () => {
    const clinic = await createClinic();
    const unknown = await api("GET", `${P}/${crypto.randomUUID()}`, { token: clinic.admin.token });
    expectStatus(unknown, 404);
    await expectOneAudit(unknown, "patient.read", "not_found");
    // Was 404 (no route) while patient ids were matched by a path pattern of their own; every
    // UUID parameter now answers like the other modules: 422 naming the field (issue 18).
    const malformed = await api<ApiError>("GET", `${P}/not-a-uuid`, { token: clinic.admin.token });
    expectStatus(malformed, 422);
    expect(malformed.body.error.details).toEqual([{ field: "param.id", message: "Invalid UUID" }]);
    expectStatus(
      await api("DELETE", `${P}/${crypto.randomUUID()}`, { token: clinic.admin.token }),
      404,
    );
  });
});

describe("patients: security", () => {
  it("stores no plaintext of what was sent, in patients or search tokens", async () => {
    const clinic = await createClinic();
    const body = patientBody({
      first_name: "Wilhelmina",
      last_name: "Quatermain",
      notes: "Allergic to cats and sunshine",
    });
    const created = expectStatus(await api("POST", P, { token: clinic.admin.token, body }), 201)
      .body.data;
    const raw =
      (await rawRows("patients", "id", created.id)) +
      (await rawRows("patient_search_tokens", "patient_id", created.id));
    expectNoPlaintext(raw, [
      body.mrn,
      "Wilhelmina",
      "Quatermain",
      "1985-03-15",
      body.email,
      body.phone_number,
      body.address,
      "Hugo Stonebridge",
      "+15550009999",
      "Allergic to cats",
      "post-op",
    ]);
  });

  it("refuses and audits once: other workspace, a stranger patient, family and staff off the team all 404", async () => {
    const clinic = await createClinic();
    const other = await createClinic();
    const path = `${P}/${clinic.otherPatient.id}`;
    const cases: [string, number][] = [
      [other.admin.token, 404],
      [clinic.patientUser.token, 404],
      [clinic.family.token, 404],
      // Off the care team is the 404 of an unknown id: no answer tells which ids are patients.
      [clinic.physio.token, 404],
    ];
    for (const [token, status] of cases) {
      const res = expectStatus(await api("GET", path, { token }), status);
      const rows = await auditOf(res);
      expect(rows).toHaveLength(1);
      expect(["denied", "not_found"]).toContain(rows[0]!.outcome);
      expect(res.text).not.toContain(clinic.otherPatient.mrn);
    }
    // Family with a grant gets the family view, never the record itself (family-view.test.ts).
    const family = expectStatus(
      await api("GET", `${P}/${clinic.patient.id}`, { token: clinic.family.token }),
      200,
    );
    expect(family.body.data.view).toBe("family");
    expect(family.body.data.mrn).toBeUndefined();
    await expectOneAudit(family, "patient.family_read");
    // A patient may not use the staff update route on their own record, nor delete it.
    expectStatus(
      await api("PUT", `${P}/${clinic.patient.id}`, {
        token: clinic.patientUser.token,
        body: { first_name: "Mallory" },
      }),
      403,
    );
    expectStatus(
      await api("DELETE", `${P}/${clinic.patient.id}`, { token: clinic.physio.token }),
      403,
    );
    expectStatus(await api("GET", `${P}/${clinic.patient.id}`, { token: clinic.admin.token }), 200);
  });
});
