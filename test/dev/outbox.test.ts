import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { clientIp } from "../invites/mail";

const newEmail = () => `invitee.${crypto.randomUUID().slice(0, 8)}@example.test`;

async function inProduction(path: string, token?: string) {
  const app = createApp();
  const ctx = createExecutionContext();
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await app.fetch(
    new Request(`https://api.test${path}`, { headers }),
    { ...env, ENVIRONMENT: "production" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as any };
}

describe("dev outbox: happy", () => {
  it("an admin reads the workspace's messages decrypted, newest first, with a channel filter", async () => {
    const clinic = await createClinic();
    const first = newEmail();
    const second = newEmail();
    expectStatus(
      await api("POST", "/api/v1/invites", {
        token: clinic.admin.token,
        body: { email: first, role: "nurse" },
      }),
      201,
    );
    expectStatus(
      await api("POST", "/api/v1/invites", {
        token: clinic.admin.token,
        body: { email: second, role: "doctor" },
      }),
      201,
    );
    expectStatus(
      await api("POST", "/api/v1/auth/request-magic-link", {
        headers: clientIp(),
        body: { email: clinic.nurse.email },
      }),
      200,
    );

    const res = expectStatus(
      await api("GET", "/api/v1/dev/outbox?channel=email", { token: clinic.admin.token }),
      200,
    );
    expect(res.body.data.map((m: { recipient: string }) => m.recipient)).toEqual([
      clinic.nurse.email,
      second,
      first,
    ]);
    expect(res.body.data[0]).toMatchObject({ channel: "email", template: "magic_link" });
    expect(res.body.data[1].body).toContain("/api/v1/auth/verify-magic-link?token=");
    expect(res.body.data[1].subject).toContain("Test Clinic");
    expect(res.body.pagination).toMatchObject({ total_items: 3, page: 1 });

    const paged = expectStatus(
      await api("GET", "/api/v1/dev/outbox?page=2&page_size=2", { token: clinic.admin.token }),
      200,
    );
    expect(paged.body.data.map((m: { recipient: string }) => m.recipient)).toEqual([first]);
    const sms = expectStatus(
      await api("GET", "/api/v1/dev/outbox?channel=sms", { token: clinic.admin.token }),
      200,
    );
    expect(sms.body.data).toEqual([]);

    const audit = await env.DB.prepare("SELECT action, outcome FROM audit_log WHERE request_id = ?")
      .bind(res.headers.get("x-request-id"))
      .first();
    expect(audit).toEqual({ action: "outbox.listed", outcome: "success" });
  });

  it("shows only this workspace's messages", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    expectStatus(
      await api("POST", "/api/v1/invites", {
        token: other.admin.token,
        body: { email: newEmail(), role: "nurse" },
      }),
      201,
    );
    const res = expectStatus(
      await api("GET", "/api/v1/dev/outbox", { token: clinic.admin.token }),
      200,
    );
    expect(res.body.data).toEqual([]);
  });
});

describe("dev outbox: errors", () => {
  it("rejects an unknown channel with 422", async () => {
    const clinic = await createClinic();
    const res = await api("GET", "/api/v1/dev/outbox?channel=fax", { token: clinic.admin.token });
    expect(res.status, res.text).toBe(422);
  });
});

describe("dev outbox: security", () => {
  it("refuses clinicians with 403, audited", async () => {
    const clinic = await createClinic();
    const res = await api("GET", "/api/v1/dev/outbox", { token: clinic.doctor.token });
    expect(res.status, res.text).toBe(403);
    const audit = await env.DB.prepare("SELECT action, outcome FROM audit_log WHERE request_id = ?")
      .bind(res.headers.get("x-request-id"))
      .first();
    expect(audit).toEqual({ action: "outbox.listed", outcome: "denied" });
  });

  it("does not exist in production: 404 NOT_FOUND, signed in or not", async () => {
    const clinic = await createClinic();
    for (const token of [clinic.admin.token, undefined]) {
      const res = await inProduction("/api/v1/dev/outbox", token);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
  });
});
