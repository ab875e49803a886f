import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, createPatientRecord, createUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

describe("linking a patient account", () => {
  it("only an admin links an account to a record; a care-team clinician gets 403 (audited)", async () => {
    const clinic = await createClinic();
    const account = await createUser(clinic.workspaceId, "patient");
    const record = await createPatientRecord(clinic.workspaceId, { careTeam: [clinic.physio.id] });
    const denied = await api("PUT", `/api/v1/patients/${record.id}`, {
      token: clinic.physio.token,
      body: { user_id: account.id },
    });
    expect(denied.status, denied.text).toBe(403);
    const audit = await env.DB.prepare("select outcome from audit_log where request_id = ?")
      .bind(denied.headers.get("x-request-id"))
      .first<{ outcome: string }>();
    expect(audit?.outcome).toBe("denied");
    expectStatus(
      await api("PUT", `/api/v1/patients/${record.id}`, {
        token: clinic.admin.token,
        body: { user_id: account.id },
      }),
      200,
    );
  });

  it("two records racing for one account: one wins, the database holds one link", async () => {
    const clinic = await createClinic();
    const account = await createUser(clinic.workspaceId, "patient");
    const a = await createPatientRecord(clinic.workspaceId);
    const b = await createPatientRecord(clinic.workspaceId);
    const results = await Promise.all(
      [a, b].map((r) =>
        api("PUT", `/api/v1/patients/${r.id}`, {
          token: clinic.admin.token,
          body: { user_id: account.id },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const rows = await env.DB.prepare("select count(*) as n from patients where user_id = ?")
      .bind(account.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });
});
