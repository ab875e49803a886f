import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, createUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

// The middleware is generic; POST /api/v1/invites serves as a route that creates a row.
async function createSomething(token: string, key: string, name: string) {
  return api("POST", "/api/v1/invites", {
    token,
    headers: { "idempotency-key": key },
    body: { email: `${name}@example.test`, role: "doctor", name },
  });
}

describe("Idempotency-Key", () => {
  it("replays the first answer to a retry and creates one row", async () => {
    const clinic = await createClinic();
    const key = `key-${crypto.randomUUID()}`;
    const email = `retry.${crypto.randomUUID().slice(0, 8)}`;
    const first = expectStatus(await createSomething(clinic.admin.token, key, email), 201);
    const second = expectStatus(await createSomething(clinic.admin.token, key, email), 201);
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM invites WHERE workspace_id = ?")
      .bind(clinic.workspaceId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
    const stored = await env.DB.prepare("SELECT response_enc FROM idempotency_keys WHERE key = ?")
      .bind(key)
      .first<{ response_enc: string }>();
    expect(stored?.response_enc).not.toContain(email);
  });

  it("refuses the same key for a different request, and malformed keys", async () => {
    const clinic = await createClinic();
    const key = `key-${crypto.randomUUID()}`;
    expectStatus(
      await createSomething(clinic.admin.token, key, `a.${crypto.randomUUID().slice(0, 8)}`),
      201,
    );
    const other = await createSomething(
      clinic.admin.token,
      key,
      `b.${crypto.randomUUID().slice(0, 8)}`,
    );
    expect(other.status, other.text).toBe(422);
    expect(other.body.error.details[0].field).toBe("Idempotency-Key");
    const bad = await createSomething(clinic.admin.token, "short", "c");
    expect(bad.status).toBe(422);
  });

  it("does not store refusals, so a corrected retry with the same key goes through", async () => {
    const clinic = await createClinic();
    const key = `key-${crypto.randomUUID()}`;
    const refused = await api("POST", "/api/v1/invites", {
      token: clinic.admin.token,
      headers: { "idempotency-key": key },
      body: { email: "not-an-email", role: "doctor" },
    });
    expect(refused.status).toBe(422);
    const ok = await api("POST", "/api/v1/invites", {
      token: clinic.admin.token,
      headers: { "idempotency-key": key },
      body: { email: `fixed.${crypto.randomUUID().slice(0, 8)}@example.test`, role: "doctor" },
    });
    expect(ok.status, ok.text).toBe(201);
  });

  it("keys are per user: another user's identical key is independent", async () => {
    const clinic = await createClinic();
    const key = `key-${crypto.randomUUID()}`;
    const a = expectStatus(
      await createSomething(clinic.admin.token, key, `x.${crypto.randomUUID().slice(0, 8)}`),
      201,
    );
    const otherAdmin = await createUser(clinic.workspaceId, "admin");
    const b = expectStatus(
      await createSomething(otherAdmin.token, key, `y.${crypto.randomUUID().slice(0, 8)}`),
      201,
    );
    expect(b.body.data.id).not.toBe(a.body.data.id);
  });
});

describe("Idempotency-Key replays", () => {
  it("stop with the session: a logged-out token cannot replay stored data", async () => {
    const clinic = await createClinic();
    const key = `key-${crypto.randomUUID()}`;
    const name = `gone.${crypto.randomUUID().slice(0, 8)}`;
    expectStatus(await createSomething(clinic.admin.token, key, name), 201);
    expectStatus(await api("POST", "/api/v1/auth/logout", { token: clinic.admin.token }), 200);
    const replay = await createSomething(clinic.admin.token, key, name);
    expect(replay.status, replay.text).toBe(401);
  });

  it("are audited", async () => {
    const clinic = await createClinic();
    const key = `key-${crypto.randomUUID()}`;
    const name = `audited.${crypto.randomUUID().slice(0, 8)}`;
    expectStatus(await createSomething(clinic.admin.token, key, name), 201);
    const replay = expectStatus(await createSomething(clinic.admin.token, key, name), 201);
    const row = await env.DB.prepare("SELECT action FROM audit_log WHERE request_id = ?")
      .bind(replay.headers.get("x-request-id"))
      .first<{ action: string }>();
    expect(row?.action).toBe("idempotency.read");
  });
});
