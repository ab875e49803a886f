import { describe, expect, it } from "vitest";
import { createClinic, createUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { auditOf, expectOneAudit, fieldsOf } from "./helpers";

const P = "/api/v1/patients";
const ids = (res: { body: any }) => res.body.data.map((p: any) => p.id);

describe("care team and family access: happy", () => {
  it("a clinician on the team adds a colleague, who then sees the patient, until removed", async () => {
    const clinic = await createClinic();
    const team = `${P}/${clinic.patient.id}/care-team`;
    const added = await api("POST", team, {
      token: clinic.physio.token,
      body: { user_id: clinic.nurse.id },
    });
    expectStatus(added, 201);
    expect(added.body.data).toMatchObject({
      user_id: clinic.nurse.id,
      role: "nurse",
      name: clinic.nurse.name,
      added_by: clinic.physio.id,
    });
    expect(JSON.parse((await expectOneAudit(added, "care_team.created")).metadata!)).toEqual({
      member_id: clinic.nurse.id,
    });

    const listed = expectStatus(await api("GET", team, { token: clinic.patientUser.token }), 200);
    expect(listed.body.data.map((m: any) => m.user_id)).toEqual([
      clinic.physio.id,
      clinic.nurse.id,
    ]);
    expect(listed.body.data[0]).toMatchObject({
      name: clinic.physio.name,
      role: "physiotherapist",
    });
    await expectOneAudit(listed, "care_team.listed");
    expect(ids(expectStatus(await api("GET", P, { token: clinic.nurse.token }), 200))).toEqual([
      clinic.patient.id,
    ]);
    expectStatus(await api("GET", `${P}/${clinic.patient.id}`, { token: clinic.nurse.token }), 200);

    const removed = await api("DELETE", `${team}/${clinic.nurse.id}`, {
      token: clinic.admin.token,
    });
    expectStatus(removed, 204);
    await expectOneAudit(removed, "care_team.deleted");
    expect(ids(expectStatus(await api("GET", P, { token: clinic.nurse.token }), 200))).toEqual([]);
    // Off the care team: the 404 of an unknown id.
    expectStatus(await api("GET", `${P}/${clinic.patient.id}`, { token: clinic.nurse.token }), 404);
  });

  it("the patient grants a family member scoped access and revokes it", async () => {
    const clinic = await createClinic();
    const relative = await createUser(clinic.workspaceId, "family");
    const access = `${P}/${clinic.patient.id}/family-access`;
    const granted = await api("POST", access, {
      token: clinic.patientUser.token,
      body: {
        family_user_id: relative.id,
        scopes: ["chat", "appointments"],
        relationship: "daughter",
      },
    });
    expectStatus(granted, 201);
    expect(granted.body.data).toMatchObject({
      family_user_id: relative.id,
      name: relative.name,
      scopes: ["chat", "appointments"],
      relationship: "daughter",
      granted_by: clinic.patientUser.id,
    });
    await expectOneAudit(granted, "family_access.granted");

    const listed = expectStatus(await api("GET", access, { token: clinic.admin.token }), 200);
    expect(listed.body.data.map((g: any) => g.family_user_id).sort()).toEqual(
      [clinic.family.id, relative.id].sort(),
    );
    await expectOneAudit(listed, "family_access.listed");
    expect(ids(expectStatus(await api("GET", P, { token: relative.token }), 200))).toEqual([
      clinic.patient.id,
    ]);
    // Shared scopes never include the clinical record: the family view instead.
    const view = expectStatus(
      await api("GET", `${P}/${clinic.patient.id}`, { token: relative.token }),
      200,
    );
    expect(view.body.data.view).toBe("family");
    expect(view.body.data.mrn).toBeUndefined();
    expectStatus(
      await api("GET", `${P}/${clinic.patient.id}/vitals`, { token: relative.token }),
      403,
    );

    const revoked = await api("DELETE", `${access}/${relative.id}`, {
      token: clinic.patientUser.token,
    });
    expectStatus(revoked, 204);
    await expectOneAudit(revoked, "family_access.revoked");
    expect(ids(expectStatus(await api("GET", P, { token: relative.token }), 200))).toEqual([]);
    expectStatus(await api("GET", `${P}/${clinic.patient.id}`, { token: relative.token }), 404);
    expectStatus(
      await api("DELETE", `${access}/${relative.id}`, { token: clinic.patientUser.token }),
      404,
    );

    // Granted again (by an admin) after a revoke.
    const again = await api("POST", access, {
      token: clinic.admin.token,
      body: { family_user_id: relative.id, scopes: ["exercises"] },
    });
    expect(expectStatus(again, 201).body.data).toMatchObject({
      scopes: ["exercises"],
      relationship: null,
      granted_by: clinic.admin.id,
    });
    expect(ids(expectStatus(await api("GET", P, { token: relative.token }), 200))).toEqual([
      clinic.patient.id,
    ]);
  });
});

describe("care team and family access: errors", () => {
  it("refuses non-clinicians, other workspaces' users and duplicates on the care team", async () => {
    const clinic = await createClinic();
    const other = await createClinic();
    const team = `${P}/${clinic.patient.id}/care-team`;
    const token = clinic.admin.token;
    for (const user_id of [
      clinic.patientUser.id,
      clinic.family.id,
      clinic.admin.id,
      other.nurse.id,
      crypto.randomUUID(),
    ]) {
      const res = expectStatus(await api("POST", team, { token, body: { user_id } }), 422);
      expect(fieldsOf(res)).toEqual(["user_id"]);
    }
    const dup = expectStatus(
      await api("POST", team, { token, body: { user_id: clinic.physio.id } }),
      409,
    );
    expect(dup.body.error.code).toBe("DUPLICATE_ENTRY");
    const missing = await api("DELETE", `${team}/${clinic.nurse.id}`, { token });
    expectStatus(missing, 404);
    await expectOneAudit(missing, "care_team.deleted", "not_found");
  });

  it("refuses grants to non-family users, duplicates and unknown scopes", async () => {
    const clinic = await createClinic();
    const access = `${P}/${clinic.patient.id}/family-access`;
    const token = clinic.patientUser.token;
    const notFamily = expectStatus(
      await api("POST", access, {
        token,
        body: { family_user_id: clinic.nurse.id, scopes: ["chat"] },
      }),
      422,
    );
    expect(fieldsOf(notFamily)).toEqual(["family_user_id"]);
    const dup = expectStatus(
      await api("POST", access, {
        token,
        body: { family_user_id: clinic.family.id, scopes: ["chat"] },
      }),
      409,
    );
    expect(dup.body.error.code).toBe("DUPLICATE_ENTRY");
    const scopes = expectStatus(
      await api("POST", access, {
        token,
        body: { family_user_id: clinic.family.id, scopes: ["clinical_notes"] },
      }),
      422,
    );
    expect(fieldsOf(scopes)).toEqual(["scopes.0"]);
  });
});

describe("care team and family access: security", () => {
  it("only an admin or a clinician on the team manages it; only the patient or an admin shares", async () => {
    const clinic = await createClinic();
    const team = `${P}/${clinic.patient.id}/care-team`;
    // Clinicians off the team: 404 like an unknown id; roles that never manage it: 403.
    for (const [token, status] of [
      [clinic.doctor.token, 404],
      [clinic.nurse.token, 404],
      [clinic.patientUser.token, 403],
      [clinic.family.token, 403],
    ] as const) {
      const res = expectStatus(
        await api("POST", team, { token, body: { user_id: clinic.doctor.id } }),
        status,
      );
      expect(await auditOf(res)).toMatchObject([
        { action: "care_team.created", outcome: "denied" },
      ]);
    }
    const access = `${P}/${clinic.patient.id}/family-access`;
    for (const token of [clinic.physio.token, clinic.family.token]) {
      expectStatus(await api("DELETE", `${access}/${clinic.family.id}`, { token }), 403);
    }
    // Another patient cannot share or even learn of this record.
    const stranger = await api("POST", access, {
      token: clinic.otherPatientUser.token,
      body: { family_user_id: clinic.family.id, scopes: ["chat"] },
    });
    expectStatus(stranger, 404);
    expect(await auditOf(stranger)).toHaveLength(1);
    const other = await createClinic();
    expectStatus(await api("GET", team, { token: other.admin.token }), 404);
    expectStatus(await api("GET", access, { token: other.patientUser.token }), 404);
    // The fixture grant is untouched.
    const listed = expectStatus(await api("GET", access, { token: clinic.patientUser.token }), 200);
    expect(listed.body.data.map((g: any) => g.family_user_id)).toEqual([clinic.family.id]);
  });
});
