import { describe, expect, it } from "vitest";
import { createClinic, createUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { expectOneAudit, fieldsOf, patientBody } from "./helpers";

const P = "/api/v1/patients";

describe("patient profile and validation: happy", () => {
  it("links a patient user, who then reads and edits their profile (contact fields only)", async () => {
    const clinic = await createClinic();
    const user = await createUser(clinic.workspaceId, "patient");
    const created = expectStatus(
      await api("POST", P, { token: clinic.admin.token, body: patientBody({ user_id: user.id }) }),
      201,
    ).body.data;
    const profile = expectStatus(await api("GET", `${P}/profile`, { token: user.token }), 200);
    expect(profile.body.data).toMatchObject({ id: created.id, user_id: user.id, diagnoses: [] });
    await expectOneAudit(profile, "patient.read");

    const updated = expectStatus(
      await api("PUT", `${P}/profile`, {
        token: user.token,
        body: {
          phone_number: "+15551112222",
          emergency_contact: { name: "Ines Okafor", phone: "+15553334444" },
        },
      }),
      200,
    );
    expect(updated.body.data).toMatchObject({
      phone_number: "+15551112222",
      emergency_contact: { name: "Ines Okafor" },
      first_name: "Amelia",
    });
    const audit = await expectOneAudit(updated, "patient.updated");
    expect(JSON.parse(audit.metadata!)).toEqual({
      via: "profile",
      fields: ["emergency_contact", "phone_number"],
    });
  });
});

describe("patient profile: consent (seed 000)", () => {
  it("the patient gives and withdraws their own consent; the server dates it, never the client", async () => {
    const clinic = await createClinic();
    const user = await createUser(clinic.workspaceId, "patient");
    expectStatus(
      await api("POST", P, {
        token: clinic.admin.token,
        body: patientBody({ user_id: user.id, consent_given: false }),
      }),
      201,
    );
    const put = (body: Record<string, unknown>) =>
      api("PUT", `${P}/profile`, { token: user.token, body });

    const before = Date.now();
    const res = expectStatus(await put({ consent_given: true }), 200);
    const given = res.body.data;
    expect(given.consent_given).toBe(true);
    expect(Date.parse(given.consent_date)).toBeGreaterThanOrEqual(before - 1000);
    const audit = await expectOneAudit(res, "patient.updated");
    expect(JSON.parse(audit.metadata!)).toEqual({ via: "profile", fields: ["consent_given"] });
    // Given again while given: the first date stays.
    const again = expectStatus(await put({ consent_given: true }), 200).body.data;
    expect(again.consent_date).toBe(given.consent_date);

    const withdrawn = expectStatus(await put({ consent_given: false }), 200).body.data;
    expect(withdrawn).toMatchObject({ consent_given: false, consent_date: null });
    expect((await api("GET", `${P}/profile`, { token: user.token })).body.data).toMatchObject({
      consent_given: false,
      consent_date: null,
    });

    // A date is the server's to set: the field is refused, and named.
    const dated = expectStatus(await put({ consent_given: true, consent_date: "2020-01-01" }), 422);
    expect(dated.text).toContain("consent_date");
    const wrongType = expectStatus(await put({ consent_given: "yes" }), 422);
    expect(fieldsOf(wrongType)).toContain("consent_given");
  });
});

describe("patient profile and validation: errors", () => {
  it("validates every field and names each invalid one", async () => {
    const clinic = await createClinic();
    const res = expectStatus(
      await api("POST", P, {
        token: clinic.admin.token,
        body: patientBody({
          date_of_birth: "2999-01-01",
          email: "not-an-email",
          blood_type: "Z+",
          first_name: "",
        }),
      }),
      422,
    );
    expect(fieldsOf(res).sort()).toEqual(["blood_type", "date_of_birth", "email", "first_name"]);
    const missing = expectStatus(
      await api("POST", P, { token: clinic.admin.token, body: { first_name: "A" } }),
      422,
    );
    expect(fieldsOf(missing)).toEqual(
      expect.arrayContaining(["mrn", "last_name", "date_of_birth"]),
    );
    const empty = expectStatus(
      await api("PUT", `${P}/${clinic.patient.id}`, { token: clinic.admin.token, body: {} }),
      422,
    );
    expect(empty.body.error.code).toBe("VALIDATION_ERROR");
    const profile = expectStatus(
      await api("PUT", `${P}/profile`, {
        token: clinic.patientUser.token,
        body: { first_name: "X" },
      }),
      422,
    );
    expect(profile.body.error.code).toBe("VALIDATION_ERROR");
  });
});

describe("patient profile and validation: security", () => {
  it("serves /profile to patients only, and only their own linked record", async () => {
    const clinic = await createClinic();
    const staff = await api("GET", `${P}/profile`, { token: clinic.admin.token });
    expectStatus(staff, 403);
    await expectOneAudit(staff, "patient.read", "denied");
    const family = await api("PUT", `${P}/profile`, {
      token: clinic.family.token,
      body: { phone_number: "+15550001234" },
    });
    expectStatus(family, 403);
    await expectOneAudit(family, "patient.updated", "denied");
    const unlinked = await createUser(clinic.workspaceId, "patient");
    const none = await api("GET", `${P}/profile`, { token: unlinked.token });
    expectStatus(none, 404);
    await expectOneAudit(none, "patient.read", "not_found");
    const own = expectStatus(
      await api("GET", `${P}/profile`, { token: clinic.otherPatientUser.token }),
      200,
    );
    expect(own.body.data.id).toBe(clinic.otherPatient.id);
  });
});
