import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, createUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((u) => u.id).sort();

const auditOf = (requestId: string | null) =>
  env.DB.prepare("SELECT action, outcome, metadata FROM audit_log WHERE request_id = ?")
    .bind(requestId)
    .all<{ action: string; outcome: string; metadata: string | null }>()
    .then((r) => r.results);

const liveSessions = (userId: string) =>
  env.DB.prepare("SELECT count(*) AS n FROM auth_sessions WHERE user_id = ? AND revoked_at IS NULL")
    .bind(userId)
    .first<{ n: number }>()
    .then((r) => r?.n);

describe("users admin: happy", () => {
  it("updates details and role; a role change ends the user's sessions", async () => {
    const clinic = await createClinic();
    const res = await api("PUT", `/api/v1/users/${clinic.physio.id}`, {
      token: clinic.admin.token,
      body: { title: "MD", role: "doctor", name: "Renamed Person" },
    });
    expect(expectStatus(res, 200).body.data).toMatchObject({
      role: "doctor",
      title: "MD",
      name: "Renamed Person",
    });
    expect(await liveSessions(clinic.physio.id)).toBe(0);
    expect((await api("GET", "/api/v1/users/me", { token: clinic.physio.token })).status).toBe(401);
    const [entry] = await auditOf(res.headers.get("x-request-id"));
    expect(JSON.parse(entry!.metadata!)).toEqual({
      fields: ["name", "title", "role"],
      sessions_revoked: true,
    });

    // A change of title alone keeps the sessions.
    await api("PUT", `/api/v1/users/${clinic.nurse.id}`, {
      token: clinic.admin.token,
      body: { title: "RN" },
    });
    expectStatus(await api("GET", "/api/v1/users/me", { token: clinic.nurse.token }), 200);
  });

  it("deactivation revokes every session of the user at once", async () => {
    const clinic = await createClinic();
    expectStatus(await api("GET", "/api/v1/users/me", { token: clinic.nurse.token }), 200);
    const res = await api("PUT", `/api/v1/users/${clinic.nurse.id}`, {
      token: clinic.admin.token,
      body: { is_active: false },
    });
    expect(expectStatus(res, 200).body.data.is_active).toBe(false);
    const after = await api("GET", "/api/v1/users/me", { token: clinic.nurse.token });
    expect(after.status, after.text).toBe(401);
    const refresh = await api("POST", "/api/v1/auth/refresh", {
      body: { refresh_token: clinic.nurse.refreshToken },
    });
    expect(refresh.status).toBe(401);
    expect(await liveSessions(clinic.nurse.id)).toBe(0);
  });

  it("soft-deletes a user: 204, sessions ended, gone from reads and lists", async () => {
    const clinic = await createClinic();
    const res = await api("DELETE", `/api/v1/users/${clinic.doctor.id}`, {
      token: clinic.admin.token,
    });
    expect(res.status, res.text).toBe(204);
    expect((await api("GET", "/api/v1/users/me", { token: clinic.doctor.token })).status).toBe(401);
    expectStatus(
      await api("GET", `/api/v1/users/${clinic.doctor.id}`, { token: clinic.admin.token }),
      404,
    );
    const list = await api("GET", "/api/v1/users", { token: clinic.admin.token });
    expect(ids(list)).not.toContain(clinic.doctor.id);
    const row = await env.DB.prepare("SELECT deleted_at, is_active FROM users WHERE id = ?")
      .bind(clinic.doctor.id)
      .first<{ deleted_at: string | null; is_active: number }>();
    expect(row?.deleted_at).toBeTruthy();
    expect(row?.is_active).toBe(0);
    expect(await auditOf(res.headers.get("x-request-id"))).toEqual([
      { action: "user.deleted", outcome: "success", metadata: JSON.stringify({ role: "doctor" }) },
    ]);
  });
});

describe("users admin: errors", () => {
  it("keeps one active admin: demoting or deactivating the last one is a 409", async () => {
    const clinic = await createClinic();
    const token = clinic.admin.token;
    const demote = await api("PUT", `/api/v1/users/${clinic.admin.id}`, {
      token,
      body: { role: "doctor" },
    });
    expect(demote.status, demote.text).toBe(409);
    expect(demote.body.error.code).toBe("CONFLICT");
    const selfOff = await api("PUT", `/api/v1/users/${clinic.admin.id}`, {
      token,
      body: { is_active: false },
    });
    expect(selfOff.status).toBe(409);

    const second = await createUser(clinic.workspaceId, "admin");
    expectStatus(
      await api("PUT", `/api/v1/users/${second.id}`, { token, body: { role: "nurse" } }),
      200,
    );
    expect(
      (await api("PUT", `/api/v1/users/${clinic.admin.id}`, { token, body: { role: "nurse" } }))
        .status,
    ).toBe(409);

    const third = await createUser(clinic.workspaceId, "admin");
    expectStatus(
      await api("PUT", `/api/v1/users/${clinic.admin.id}`, { token, body: { role: "doctor" } }),
      200,
    );
    const last = await api("PUT", `/api/v1/users/${third.id}`, {
      token: third.token,
      body: { role: "nurse" },
    });
    expect(last.status, last.text).toBe(409);
    const rows = await auditOf(last.headers.get("x-request-id"));
    expect(rows).toEqual([
      {
        action: "user.updated",
        outcome: "failure",
        metadata: JSON.stringify({ reason: "last_admin" }),
      },
    ]);
  });

  it("concurrent demotions never leave the workspace without an active admin", async () => {
    const clinic = await createClinic();
    const second = await createUser(clinic.workspaceId, "admin");
    const token = clinic.admin.token;
    const results = await Promise.all([
      api("PUT", `/api/v1/users/${clinic.admin.id}`, { token, body: { role: "doctor" } }),
      api("PUT", `/api/v1/users/${second.id}`, { token, body: { role: "doctor" } }),
    ]);
    expect(
      results.filter((r) => r.status === 200),
      results.map((r) => r.text).join(),
    ).toHaveLength(1);
    const admins = await env.DB.prepare(
      "SELECT count(*) AS n FROM users WHERE workspace_id = ? AND role = 'admin' AND is_active = 1",
    )
      .bind(clinic.workspaceId)
      .first<{ n: number }>();
    expect(admins?.n).toBe(1);
  });

  it("refuses deleting yourself (409), unknown ids (404), bad ids and bodies (422)", async () => {
    const clinic = await createClinic();
    const token = clinic.admin.token;
    expect((await api("DELETE", `/api/v1/users/${clinic.admin.id}`, { token })).status).toBe(409);
    const unknown = "01900000-0000-7000-8000-000000000000";
    expect((await api("GET", `/api/v1/users/${unknown}`, { token })).status).toBe(404);
    expect(
      (await api("PUT", `/api/v1/users/${unknown}`, { token, body: { title: "x" } })).status,
    ).toBe(404);
    expect((await api("DELETE", `/api/v1/users/${unknown}`, { token })).status).toBe(404);
    expect((await api("GET", "/api/v1/users/not-a-uuid", { token })).status).toBe(422);
    for (const body of [{}, { email: "a@b.test" }, { role: "superuser" }, { is_active: "no" }]) {
      const res = await api("PUT", `/api/v1/users/${clinic.nurse.id}`, { token, body });
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(422);
    }
    const crossGroup = await api("PUT", `/api/v1/users/${clinic.patientUser.id}`, {
      token,
      body: { role: "doctor" },
    });
    expect(crossGroup.status).toBe(422);
    expect(crossGroup.body.error.details[0].field).toBe("role");
    expect((await api("GET", "/api/v1/users?is_active=maybe", { token })).status).toBe(422);
  });
});

describe("users admin: security", () => {
  it("an admin of another workspace reaches nothing (404) and changes nothing", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    const token = other.admin.token;
    expect((await api("GET", `/api/v1/users/${clinic.nurse.id}`, { token })).status).toBe(404);
    expect(
      (await api("PUT", `/api/v1/users/${clinic.nurse.id}`, { token, body: { is_active: false } }))
        .status,
    ).toBe(404);
    expect((await api("DELETE", `/api/v1/users/${clinic.nurse.id}`, { token })).status).toBe(404);
    expectStatus(await api("GET", "/api/v1/users/me", { token: clinic.nurse.token }), 200);
  });
});
