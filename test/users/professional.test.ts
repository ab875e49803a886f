/**
 * Seed 000's clinician profile on `PUT /users/me` and the admin's `PUT /users/{id}`: stored
 * encrypted, returned, clinicians (staff) only.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

const profile = { license_number: "PT-55821", specialization: "Sports knee", years_experience: 7 };

describe("happy", () => {
  it("a clinician stores licence, specialisation and experience; free text encrypted", async () => {
    const clinic = await createClinic();
    const res = await api("PUT", "/api/v1/users/me", { token: clinic.physio.token, body: profile });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject(profile);
    const me = expectStatus(
      await api("GET", "/api/v1/users/me", { token: clinic.physio.token }),
      200,
    );
    expect(me.body.data).toMatchObject(profile);
    const raw = await env.DB.prepare("select * from users where id = ?")
      .bind(clinic.physio.id)
      .first();
    expect(JSON.stringify(raw)).not.toContain("PT-55821");
    expect(JSON.stringify(raw)).not.toContain("Sports knee");
  });
});

describe("admin", () => {
  it("an admin sets a clinician's professional profile, audited by field name only", async () => {
    const clinic = await createClinic();
    const res = await api("PUT", `/api/v1/users/${clinic.physio.id}`, {
      token: clinic.admin.token,
      body: profile,
    });
    expect(res.status, res.text).toBe(200);
    const me = expectStatus(
      await api("GET", "/api/v1/users/me", { token: clinic.physio.token }),
      200,
    );
    expect(me.body.data).toMatchObject(profile);
    const audit = await env.DB.prepare(
      "select metadata from audit_log where request_id = ? and action = 'user.updated'",
    )
      .bind(res.headers.get("x-request-id"))
      .first<{ metadata: string }>();
    expect(audit?.metadata).toContain("license_number");
    expect(audit?.metadata).not.toContain("PT-55821");
  });

  it("refuses professional fields for a patient's account, naming them", async () => {
    const clinic = await createClinic();
    const res = await api("PUT", `/api/v1/users/${clinic.patientUser.id}`, {
      token: clinic.admin.token,
      body: { license_number: "X-1" },
    });
    expectStatus(res, 422);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      "license_number",
    ]);
  });
});

describe("errors", () => {
  it("names the fields a patient may not set, and bad values", async () => {
    const clinic = await createClinic();
    const res = await api("PUT", "/api/v1/users/me", {
      token: clinic.patientUser.token,
      body: profile,
    });
    expectStatus(res, 422);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      "license_number",
      "specialization",
      "years_experience",
    ]);
    const bad = await api("PUT", "/api/v1/users/me", {
      token: clinic.physio.token,
      body: { years_experience: -1 },
    });
    expectStatus(bad, 422);
    expect(bad.body.error.details[0].field).toBe("years_experience");
  });
});
