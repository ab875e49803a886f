import { env } from "cloudflare:test";
import { TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/encoding";
import { createClinic, type TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { clientIp, emailsTo, linkToken, waitForStatus } from "../invites/mail";

const request = (email: string, headers = clientIp()) =>
  api("POST", "/api/v1/auth/request-magic-link", { headers, body: { email } });
const verify = (token: string, extra = "") =>
  api("GET", `/api/v1/auth/verify-magic-link?token=${token}${extra}`, { headers: clientIp() });

async function linkFor(workspaceId: string, user: TestUser) {
  expectStatus(await request(user.email), 200);
  const [email] = await emailsTo(workspaceId, "magic_link", user.email);
  expect(email, "no magic link email stored").toBeDefined();
  return { email: email!, token: linkToken(email!.body) };
}

describe("magic link: happy", () => {
  it("emails a link that signs in once, with the login answer and the refresh cookie", async () => {
    const clinic = await createClinic();
    const { email, token } = await linkFor(clinic.workspaceId, clinic.physio);
    expect(email.body).toContain(`${env.APP_BASE_URL}/api/v1/auth/verify-magic-link?token=`);
    expect(email.subject).toBeTruthy();

    const res = expectStatus(await verify(token), 200);
    expect(res.body.data).toMatchObject({
      token_type: "Bearer",
      user: { id: clinic.physio.id, email: clinic.physio.email, role: "physiotherapist" },
    });
    expect(res.headers.get("set-cookie") ?? "").toMatch(/rehab_refresh=.*HttpOnly/i);
    expectStatus(
      await api("GET", "/api/v1/auth/profile", { token: res.body.data.access_token }),
      200,
    );
    const session = await env.DB.prepare(
      "SELECT method FROM auth_sessions WHERE user_id = ? ORDER BY created_at DESC",
    )
      .bind(clinic.physio.id)
      .first<{ method: string }>();
    expect(session?.method).toBe("magic_link");

    const again = await verify(token);
    expect(again.status, again.text).toBe(401);
    expect(again.body.error.code).toBe("UNAUTHORIZED");

    const audit = await env.DB.prepare(
      "SELECT action, outcome, metadata FROM audit_log WHERE actor_id = ? AND action LIKE 'auth.magic_link%' ORDER BY seq",
    )
      .bind(clinic.physio.id)
      .all<{ action: string; outcome: string; metadata: string | null }>();
    expect(audit.results.map((r) => [r.action, r.outcome])).toEqual([
      ["auth.magic_link_requested", "success"],
      ["auth.magic_link_used", "success"],
      ["auth.magic_link_used", "denied"],
    ]);
    expect(JSON.stringify(audit.results)).not.toContain(clinic.physio.email);
  });

  it("stores only the token's SHA-256, expiring in 15 minutes", async () => {
    const clinic = await createClinic();
    const { token } = await linkFor(clinic.workspaceId, clinic.nurse);
    const rows = await env.DB.prepare("SELECT * FROM magic_links WHERE user_id = ?")
      .bind(clinic.nurse.id)
      .all<Record<string, string>>();
    expect(rows.results).toHaveLength(1);
    const row = rows.results[0]!;
    expect(row.token_hash).toBe(await sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const lifetime = Date.parse(row.expires_at!) - Date.parse(row.created_at!);
    expect(lifetime).toBe(15 * 60_000);
  });

  it("the queue consumer delivers the email to the development outbox", async () => {
    const clinic = await createClinic();
    const { email } = await linkFor(clinic.workspaceId, clinic.doctor);
    const status = await waitForStatus(email.id, "outbox", 8000);
    // The pool runs the JOBS consumer of wrangler.toml; no provider is configured in tests.
    expect(status).toBe("outbox");
  });

  it("with MFA on, asks for the code without using up the link, then signs in with it", async () => {
    const clinic = await createClinic();
    const user = clinic.doctor;
    const setup = expectStatus(
      await api("POST", "/api/v1/auth/mfa/enable", { token: user.token }),
      200,
    );
    const totp = new TOTP({
      secret: setup.body.data.secret,
      digits: 6,
      period: 30,
      algorithm: "SHA1",
    });
    const now = Date.now();
    expectStatus(
      await api("POST", "/api/v1/auth/mfa/verify", {
        token: user.token,
        body: { code: totp.generate({ timestamp: now }) },
      }),
      200,
    );
    const { token } = await linkFor(clinic.workspaceId, user);
    const missing = await verify(token);
    expect(missing.status, missing.text).toBe(401);
    expect(missing.body.error.details).toEqual({ mfa_required: true });
    const wrong = await verify(token, "&mfa_code=000000");
    expect(wrong.status, wrong.text).toBe(401);
    const used = await env.DB.prepare("SELECT used_at FROM magic_links WHERE user_id = ?")
      .bind(user.id)
      .first();
    expect(used?.used_at).toBeNull();

    const code = totp.generate({ timestamp: now + 30_000 });
    const res = expectStatus(await verify(token, `&mfa_code=${code}`), 200);
    expect(res.body.data.user.id).toBe(user.id);
  });
});

describe("magic link: errors", () => {
  it("answers an unknown email exactly like a known one, and stores nothing for it", async () => {
    const clinic = await createClinic();
    const known = expectStatus(await request(clinic.nurse.email), 200);
    const unknownEmail = `nobody.${crypto.randomUUID().slice(0, 8)}@example.test`;
    const unknown = expectStatus(await request(unknownEmail), 200);
    expect(unknown.body.data).toEqual(known.body.data);
    expect(Object.keys(unknown.body)).toEqual(Object.keys(known.body));
    const stored = await env.DB.prepare(
      "SELECT count(*) AS n FROM outbound_messages WHERE workspace_id IS NULL AND template = 'magic_link'",
    ).first<{ n: number }>();
    expect(stored?.n).toBe(0);
    const audit = await env.DB.prepare(
      "SELECT outcome, actor_id, metadata FROM audit_log WHERE request_id = ?",
    )
      .bind(unknown.headers.get("x-request-id"))
      .first<Record<string, unknown>>();
    expect(audit).toMatchObject({ outcome: "not_found", actor_id: null, metadata: null });
  });

  it("limits requests to 3 per hour per address: the 4th is 429 with Retry-After", async () => {
    const headers = clientIp();
    for (let i = 0; i < 3; i++)
      expectStatus(await request(`someone.${i}@example.test`, headers), 200);
    const fourth = await request("someone.4@example.test", headers);
    expect(fourth.status, fourth.text).toBe(429);
    expect(fourth.body.error.code).toBe("RATE_LIMITED");
    expect(Number(fourth.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another address is not affected.
    expectStatus(await request("someone.5@example.test"), 200);
  });

  it("refuses an expired link with 401", async () => {
    const clinic = await createClinic();
    const { token } = await linkFor(clinic.workspaceId, clinic.admin);
    await env.DB.prepare("UPDATE magic_links SET expires_at = ? WHERE token_hash = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), await sha256Hex(token))
      .run();
    const res = await verify(token);
    expect(res.status, res.text).toBe(401);
  });

  it("refuses an unknown token with 401 and a malformed one with 422", async () => {
    expect((await verify("A".repeat(43))).status).toBe(401);
    const bad = await verify("short");
    expect(bad.status, bad.text).toBe(422);
    expect(bad.body.error.details[0].field).toBe("query.token");
  });
});

describe("magic link: security", () => {
  it("two concurrent uses of one link: exactly one signs in", async () => {
    const clinic = await createClinic();
    const { token } = await linkFor(clinic.workspaceId, clinic.nurse);
    const results = await Promise.all([verify(token), verify(token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("does not sign in a deactivated account", async () => {
    const clinic = await createClinic();
    const { token } = await linkFor(clinic.workspaceId, clinic.nurse);
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE id = ?").bind(clinic.nurse.id).run();
    expect((await verify(token)).status).toBe(401);
  });
});
