import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

const auditRows = (requestId: string | null) =>
  env.DB.prepare("SELECT action, outcome, metadata FROM audit_log WHERE request_id = ?")
    .bind(requestId)
    .all<{ action: string; outcome: string; metadata: string | null }>()
    .then((r) => r.results);

describe("users/me: happy", () => {
  it("reads and updates the caller's profile, auditing field names only", async () => {
    const clinic = await createClinic();
    const me = expectStatus(
      await api("GET", "/api/v1/users/me", { token: clinic.physio.token }),
      200,
    );
    expect(me.body.data).toMatchObject({
      id: clinic.physio.id,
      email: clinic.physio.email,
      name: clinic.physio.name,
      role: "physiotherapist",
      workspace_id: clinic.workspaceId,
    });
    expect(await auditRows(me.headers.get("x-request-id"))).toEqual([
      { action: "user.read", outcome: "success", metadata: null },
    ]);

    const change = {
      name: "Quentin Zephyrine",
      phone_number: "+15550009999",
      title: "DPT",
      avatar_url: "https://cdn.example.com/q.png",
    };
    const put = expectStatus(
      await api("PUT", "/api/v1/users/me", { token: clinic.physio.token, body: change }),
      200,
    );
    expect(put.body.data).toMatchObject({ ...change, email: clinic.physio.email });
    const again = await api("GET", "/api/v1/users/me", { token: clinic.physio.token });
    expect(again.body.data).toMatchObject(change);

    const [entry] = await auditRows(put.headers.get("x-request-id"));
    expect(entry).toMatchObject({ action: "user.updated", outcome: "success" });
    expect(JSON.parse(entry!.metadata!)).toEqual({
      fields: ["name", "phone_number", "title", "avatar_url"],
    });
    expect(entry!.metadata).not.toContain("Zephyrine");

    // Stored encrypted; the new name is searchable by word.
    const raw = await env.DB.prepare("SELECT * FROM users WHERE id = ?")
      .bind(clinic.physio.id)
      .first();
    expect(JSON.stringify(raw)).not.toMatch(/Zephyrine|5550009999/);
    const found = await api("GET", "/api/v1/users?search=zephyrine", { token: clinic.admin.token });
    expect(found.body.data.map((u: { id: string }) => u.id)).toEqual([clinic.physio.id]);
  });

  it("clears optional fields with null", async () => {
    const clinic = await createClinic();
    const token = clinic.nurse.token;
    await api("PUT", "/api/v1/users/me", {
      token,
      body: { title: "RN", phone_number: "+15551112222" },
    });
    const res = await api("PUT", "/api/v1/users/me", {
      token,
      body: { title: null, phone_number: null },
    });
    expectStatus(res, 200);
    expect(res.body.data).toMatchObject({ title: null, phone_number: null });
  });

  it("preferences: defaults, then partial updates keep the other fields", async () => {
    const clinic = await createClinic();
    const token = clinic.doctor.token;
    const initial = expectStatus(await api("GET", "/api/v1/users/me/preferences", { token }), 200);
    expect(initial.body.data).toMatchObject({
      default_template: null,
      favorite_templates: [],
      auto_scribe: true,
      notifications_enabled: true,
      email_notifications: true,
      sms_notifications: false,
      dark_mode: false,
      language: "en",
      timezone: null,
    });

    const first = await api("PUT", "/api/v1/users/me/preferences", {
      token,
      body: {
        default_template: "soap",
        favorite_templates: ["soap", "cardiology"],
        dark_mode: true,
      },
    });
    expectStatus(first, 200);
    const second = await api("PUT", "/api/v1/users/me/preferences", {
      token,
      body: { timezone: "America/Chicago", language: "pt-BR", auto_scribe: false },
    });
    expect(expectStatus(second, 200).body.data).toMatchObject({
      default_template: "soap",
      favorite_templates: ["soap", "cardiology"],
      dark_mode: true,
      timezone: "America/Chicago",
      language: "pt-BR",
      auto_scribe: false,
      sms_notifications: false,
    });
    const read = await api("GET", "/api/v1/users/me/preferences", { token });
    expect(read.body.data).toEqual(second.body.data);
    const [entry] = await auditRows(second.headers.get("x-request-id"));
    expect(entry).toMatchObject({ action: "preferences.updated", outcome: "success" });
    expect(JSON.parse(entry!.metadata!)).toEqual({
      fields: ["auto_scribe", "language", "timezone"],
    });
  });
});

describe("users/me: errors", () => {
  it("rejects email, role and unknown fields by name, and empty or malformed bodies (422)", async () => {
    const clinic = await createClinic();
    const token = clinic.nurse.token;
    for (const body of [{ email: "new@example.test" }, { role: "admin" }, { nickname: "x" }]) {
      const res = await api("PUT", "/api/v1/users/me", {
        token,
        body: { name: "Ok Name", ...body },
      });
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.code).toBe("VALIDATION_ERROR");
      expect(res.body.error.details[0].message).toContain(Object.keys(body)[0]);
    }
    for (const body of [
      {},
      { phone_number: "call me" },
      { avatar_url: "javascript:alert(1)" },
      { name: " " },
    ]) {
      const res = await api("PUT", "/api/v1/users/me", { token, body });
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(422);
    }
    const me = await api("GET", "/api/v1/users/me", { token });
    expect(me.body.data).toMatchObject({
      email: clinic.nurse.email,
      role: "nurse",
      name: clinic.nurse.name,
    });
  });

  it("rejects an unknown time zone, a bad language tag and unknown preference fields (422)", async () => {
    const clinic = await createClinic();
    const token = clinic.patientUser.token;
    const cases: [Record<string, unknown>, string][] = [
      [{ timezone: "Mars/Olympus_Mons" }, "timezone"],
      [{ language: "x" }, "language"],
      [{ language: "english-language" }, "language"],
      [{ dark_mode: "yes" }, "dark_mode"],
      [{ favorite_templates: [""] }, "favorite_templates.0"],
    ];
    for (const [body, field] of cases) {
      const res = await api("PUT", "/api/v1/users/me/preferences", { token, body });
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const unknown = await api("PUT", "/api/v1/users/me/preferences", {
      token,
      body: { theme: "dark" },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details[0].message).toContain("theme");
    const empty = await api("PUT", "/api/v1/users/me/preferences", { token, body: {} });
    expect(empty.status).toBe(422);
    const read = await api("GET", "/api/v1/users/me/preferences", { token });
    expect(read.body.data).toMatchObject({ timezone: null, language: "en", dark_mode: false });
  });
});

describe("users/me: security", () => {
  it("each caller only ever touches their own profile and preferences", async () => {
    const clinic = await createClinic();
    await api("PUT", "/api/v1/users/me/preferences", {
      token: clinic.family.token,
      body: { dark_mode: true },
    });
    const other = await api("GET", "/api/v1/users/me/preferences", {
      token: clinic.patientUser.token,
    });
    expect(other.body.data.dark_mode).toBe(false);
    const me = await api("GET", "/api/v1/users/me", { token: clinic.family.token });
    expect(me.body.data).toMatchObject({ id: clinic.family.id, role: "family" });
  });

  it("a patient cannot promote themself through /users/me", async () => {
    const clinic = await createClinic();
    const res = await api("PUT", "/api/v1/users/me", {
      token: clinic.patientUser.token,
      body: { role: "admin" },
    });
    expect(res.status).toBe(422);
    const row = await env.DB.prepare("SELECT role FROM users WHERE id = ?")
      .bind(clinic.patientUser.id)
      .first<{ role: string }>();
    expect(row?.role).toBe("patient");
  });
});
