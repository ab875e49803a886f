import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, createPatientRecord, type Clinic, type TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { clientIp, emailsTo, linkToken } from "./mail";

const newEmail = (tag = "invitee") => `${tag}.${crypto.randomUUID().slice(0, 8)}@example.test`;

async function invite(by: TestUser, body: Record<string, unknown>) {
  return api("POST", "/api/v1/invites", { token: by.token, body });
}

async function inviteToken(clinic: Clinic, email: string) {
  const [message] = await emailsTo(clinic.workspaceId, "invite", email);
  expect(message, "no invitation email stored").toBeDefined();
  return linkToken(message!.body);
}

const acceptByLink = (token: string) =>
  api("GET", `/api/v1/auth/verify-magic-link?token=${token}`, { headers: clientIp() });

describe("invites: happy", () => {
  it("an admin invites a doctor, who joins by registering with the emailed token", async () => {
    const clinic = await createClinic();
    const email = newEmail("doctor");
    const res = expectStatus(
      await invite(clinic.admin, { email, name: "Dana Doctor", role: "doctor" }),
      201,
    );
    expect(res.body.data).toMatchObject({
      email,
      name: "Dana Doctor",
      role: "doctor",
      patient_id: null,
      status: "pending",
    });
    expect(Date.parse(res.body.data.expires_at) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000);
    const token = await inviteToken(clinic, email);
    expect(res.text).not.toContain(token);

    const joined = expectStatus(
      await api("POST", "/api/v1/auth/register", {
        headers: clientIp(),
        body: {
          email,
          password: "a long enough passphrase",
          name: "Dana Doctor",
          invite_token: token,
        },
      }),
      201,
    );
    expect(joined.body.data.user).toMatchObject({
      email,
      role: "doctor",
      workspace_id: clinic.workspaceId,
    });
    // The token is spent: the link no longer works.
    expect((await acceptByLink(token)).status).toBe(401);

    const audit = await env.DB.prepare(
      "SELECT action FROM audit_log WHERE resource_id = ? ORDER BY seq",
    )
      .bind(res.body.data.id)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["invite.created", "invite.accepted"]);
    const listed = expectStatus(
      await api("GET", "/api/v1/invites?status=accepted", { token: clinic.admin.token }),
      200,
    );
    expect(listed.body.data.map((i: { id: string }) => i.id)).toContain(res.body.data.id);
  });

  it("an admin invites a nurse, who joins passwordlessly through the magic link, once", async () => {
    const clinic = await createClinic();
    const email = newEmail("nurse");
    expectStatus(await invite(clinic.admin, { email, role: "nurse" }), 201);
    const token = await inviteToken(clinic, email);
    const joined = expectStatus(await acceptByLink(token), 200);
    expect(joined.body.data.user).toMatchObject({
      email,
      role: "nurse",
      workspace_id: clinic.workspaceId,
    });
    expectStatus(
      await api("GET", "/api/v1/auth/profile", { token: joined.body.data.access_token }),
      200,
    );
    expect((await acceptByLink(token)).status).toBe(401);
  });

  it("a clinician invites the patient of a record on their care team; the account is linked to it", async () => {
    const clinic = await createClinic();
    const record = await createPatientRecord(clinic.workspaceId, { careTeam: [clinic.physio.id] });
    const email = newEmail("patient");
    const res = expectStatus(
      await invite(clinic.physio, { email, role: "patient", patient_id: record.id }),
      201,
    );
    expect(res.body.data.patient_id).toBe(record.id);
    const joined = expectStatus(await acceptByLink(await inviteToken(clinic, email)), 200);
    const row = await env.DB.prepare("SELECT user_id FROM patients WHERE id = ?")
      .bind(record.id)
      .first<{ user_id: string }>();
    expect(row?.user_id).toBe(joined.body.data.user.id);
    expect(joined.body.data.user.role).toBe("patient");
  });

  it("a family invite grants the new account access to the patient", async () => {
    const clinic = await createClinic();
    const email = newEmail("family");
    expectStatus(
      await invite(clinic.admin, { email, role: "family", patient_id: clinic.otherPatient.id }),
      201,
    );
    const joined = expectStatus(await acceptByLink(await inviteToken(clinic, email)), 200);
    const access = await env.DB.prepare(
      "SELECT patient_id, revoked_at FROM family_access WHERE family_user_id = ?",
    )
      .bind(joined.body.data.user.id)
      .all();
    expect(access.results).toEqual([{ patient_id: clinic.otherPatient.id, revoked_at: null }]);
  });

  it("lists invitations: an admin sees all of the workspace, a clinician their own", async () => {
    const clinic = await createClinic();
    const mine = expectStatus(
      await invite(clinic.physio, {
        email: newEmail(),
        role: "patient",
        patient_id: (
          await createPatientRecord(clinic.workspaceId, { careTeam: [clinic.physio.id] })
        ).id,
      }),
      201,
    );
    const admins = expectStatus(
      await invite(clinic.admin, { email: newEmail(), role: "nurse" }),
      201,
    );
    const all = expectStatus(
      await api("GET", "/api/v1/invites?page_size=10", { token: clinic.admin.token }),
      200,
    );
    expect(all.body.data.map((i: { id: string }) => i.id)).toEqual([
      admins.body.data.id,
      mine.body.data.id,
    ]);
    expect(all.body.pagination).toMatchObject({
      page: 1,
      page_size: 10,
      total_items: 2,
      total_pages: 1,
    });
    const own = expectStatus(
      await api("GET", "/api/v1/invites", { token: clinic.physio.token }),
      200,
    );
    expect(own.body.data.map((i: { id: string }) => i.id)).toEqual([mine.body.data.id]);
    const pending = expectStatus(
      await api("GET", "/api/v1/invites?status=expired", { token: clinic.admin.token }),
      200,
    );
    expect(pending.body.data).toEqual([]);
  });
});

describe("invites: errors", () => {
  it("answers 409 for an email that already has an account", async () => {
    const clinic = await createClinic();
    const res = await invite(clinic.admin, {
      email: clinic.nurse.email.toUpperCase(),
      role: "doctor",
    });
    expect(res.status, res.text).toBe(409);
    expect(res.body.error.code).toBe("DUPLICATE_ENTRY");
  });

  it("answers 409 for a patient record that already has an account", async () => {
    const clinic = await createClinic();
    const res = await invite(clinic.physio, {
      email: newEmail(),
      role: "patient",
      patient_id: clinic.patient.id,
    });
    expect(res.status, res.text).toBe(409);
  });

  it("requires patient_id for patient and family, and refuses it for staff roles", async () => {
    const clinic = await createClinic();
    const missing = await invite(clinic.admin, { email: newEmail(), role: "family" });
    expect(missing.status, missing.text).toBe(422);
    expect(missing.body.error.details[0].field).toBe("patient_id");
    const extra = await invite(clinic.admin, {
      email: newEmail(),
      role: "doctor",
      patient_id: clinic.patient.id,
    });
    expect(extra.status, extra.text).toBe(422);
  });

  it("an expired invitation link is refused", async () => {
    const clinic = await createClinic();
    const email = newEmail();
    const res = expectStatus(await invite(clinic.admin, { email, role: "nurse" }), 201);
    await env.DB.prepare("UPDATE magic_links SET expires_at = ? WHERE invite_id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), res.body.data.id)
      .run();
    expect((await acceptByLink(await inviteToken(clinic, email))).status).toBe(401);
  });
});

describe("invites: security", () => {
  it("clinicians may not invite staff (403, audited)", async () => {
    const clinic = await createClinic();
    const res = await invite(clinic.physio, { email: newEmail(), role: "doctor" });
    expect(res.status, res.text).toBe(403);
    const audit = await env.DB.prepare("SELECT outcome FROM audit_log WHERE request_id = ?")
      .bind(res.headers.get("x-request-id"))
      .first<{ outcome: string }>();
    expect(audit?.outcome).toBe("denied");
  });

  it("a clinician may not invite for a patient outside their care team (404, like an unknown one)", async () => {
    const clinic = await createClinic();
    const res = await invite(clinic.physio, {
      email: newEmail(),
      role: "patient",
      patient_id: clinic.otherPatient.id,
    });
    expect(res.status, res.text).toBe(404);
  });

  it("only an admin invites family: a clinician's family invite would grant access (403)", async () => {
    const clinic = await createClinic();
    const res = await invite(clinic.physio, {
      email: newEmail(),
      role: "family",
      patient_id: clinic.patient.id,
    });
    expect(res.status, res.text).toBe(403);
  });

  it("a patient of another workspace answers 404, for admins too", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    const record = await createPatientRecord(other.workspaceId);
    for (const by of [clinic.admin, clinic.physio]) {
      const res = await invite(by, { email: newEmail(), role: "patient", patient_id: record.id });
      expect(res.status, res.text).toBe(404);
    }
    const none = await env.DB.prepare("SELECT count(*) AS n FROM invites WHERE patient_id = ?")
      .bind(record.id)
      .first<{ n: number }>();
    expect(none?.n).toBe(0);
  });

  it("stores the invitee's email and name only encrypted, and never the token", async () => {
    const clinic = await createClinic();
    const email = newEmail();
    const res = expectStatus(
      await invite(clinic.admin, { email, name: "Quentin Quill", role: "nurse" }),
      201,
    );
    const token = await inviteToken(clinic, email);
    const row = await env.DB.prepare("SELECT * FROM invites WHERE id = ?")
      .bind(res.body.data.id)
      .first();
    const link = await env.DB.prepare("SELECT * FROM magic_links WHERE invite_id = ?")
      .bind(res.body.data.id)
      .first();
    const raw = JSON.stringify([row, link]);
    expect(raw).not.toContain(email);
    expect(raw).not.toContain("Quentin");
    expect(raw).not.toContain(token);
    const audit = await env.DB.prepare("SELECT metadata FROM audit_log WHERE resource_id = ?")
      .bind(res.body.data.id)
      .first();
    expect(JSON.stringify(audit)).not.toContain(email);
  });
});
