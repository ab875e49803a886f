import { env } from "cloudflare:test";
import { TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { createClinic, PASSWORD, type TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { clientIp } from "../invites/mail";

const STEP_MS = 30_000;

/** Codes of the user's authenticator, one per time step, never the same step twice. */
function authenticator(secret: string) {
  const totp = new TOTP({ secret, algorithm: "SHA1", digits: 6, period: 30 });
  const used = new Set<number>();
  return () => {
    const now = Date.now();
    for (const offset of [0, 1, -1]) {
      const step = Math.floor(now / STEP_MS) + offset;
      if (used.has(step)) continue;
      used.add(step);
      return totp.generate({ timestamp: step * STEP_MS });
    }
    throw new Error("no unused step within the window");
  };
}

async function turnOn(user: TestUser) {
  const setup = expectStatus(
    await api("POST", "/api/v1/auth/mfa/enable", { token: user.token }),
    200,
  );
  const next = authenticator(setup.body.data.secret);
  const verified = expectStatus(
    await api("POST", "/api/v1/auth/mfa/verify", { token: user.token, body: { code: next() } }),
    200,
  );
  return { setup: setup.body.data, next, backupCodes: verified.body.data.backup_codes as string[] };
}

const login = (user: TestUser, mfa_code?: string, headers = clientIp()) =>
  api("POST", "/api/v1/auth/login", {
    headers,
    body: { email: user.email, password: PASSWORD, mfa_code },
  });

const auditActions = async (userId: string) =>
  (
    await env.DB.prepare(
      "SELECT action, outcome FROM audit_log WHERE resource_id = ? AND action LIKE 'auth.mfa%' ORDER BY seq",
    )
      .bind(userId)
      .all<{ action: string; outcome: string }>()
  ).results.map((r) => `${r.action}:${r.outcome}`);

describe("mfa: happy", () => {
  it("enable, verify, then login needs a code, accepts it once, and a backup code once", async () => {
    const clinic = await createClinic();
    const user = clinic.physio;
    const setup = expectStatus(
      await api("POST", "/api/v1/auth/mfa/enable", { token: user.token }),
      200,
    ).body.data;
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.otpauth_url).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    expect(atob(setup.qr_code.replace("data:image/svg+xml;base64,", ""))).toContain("<svg");
    const pending = await env.DB.prepare("SELECT * FROM users WHERE id = ?")
      .bind(user.id)
      .first<Record<string, unknown>>();
    expect(pending).toMatchObject({ mfa_enabled: 0, mfa_secret_enc: null });
    expect(String(pending!.mfa_pending_secret_enc)).toMatch(/^v1\./);
    expect(JSON.stringify(pending)).not.toContain(setup.secret);

    const next = authenticator(setup.secret);
    const verified = expectStatus(
      await api("POST", "/api/v1/auth/mfa/verify", { token: user.token, body: { code: next() } }),
      200,
    );
    const codes: string[] = verified.body.data.backup_codes;
    expect(verified.body.data.enabled).toBe(true);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const stored = await env.DB.prepare("SELECT * FROM mfa_backup_codes WHERE user_id = ?")
      .bind(user.id)
      .all();
    expect(stored.results).toHaveLength(10);
    expect(JSON.stringify(stored.results)).not.toContain(codes[0]!.replace("-", ""));
    const active = await env.DB.prepare(
      "SELECT mfa_enabled, mfa_pending_secret_enc FROM users WHERE id = ?",
    )
      .bind(user.id)
      .first();
    expect(active).toEqual({ mfa_enabled: 1, mfa_pending_secret_enc: null });

    const headers = clientIp();
    const without = await login(user, undefined, headers);
    expect(without.status, without.text).toBe(401);
    expect(without.body.error.details).toEqual({ mfa_required: true });

    const code = next();
    expectStatus(await login(user, code, headers), 200);
    const replay = await login(user, code, headers);
    expect(replay.status, replay.text).toBe(401);

    expectStatus(await login(user, codes[0], headers), 200);
    expect((await login(user, codes[0], headers)).status).toBe(401);

    expect(await auditActions(user.id)).toEqual([
      "auth.mfa_enabled:success",
      "auth.mfa_failed:denied",
      "auth.mfa_failed:denied",
    ]);
  });

  it("disable with a backup code turns MFA off and deletes the secret and codes", async () => {
    const clinic = await createClinic();
    const user = clinic.nurse;
    const { backupCodes } = await turnOn(user);
    const res = expectStatus(
      await api("POST", "/api/v1/auth/mfa/disable", {
        token: user.token,
        body: { code: backupCodes[3] },
      }),
      200,
    );
    expect(res.body.data).toEqual({ enabled: false });
    const row = await env.DB.prepare("SELECT mfa_enabled, mfa_secret_enc FROM users WHERE id = ?")
      .bind(user.id)
      .first();
    expect(row).toEqual({ mfa_enabled: 0, mfa_secret_enc: null });
    const left = await env.DB.prepare(
      "SELECT count(*) AS n FROM mfa_backup_codes WHERE user_id = ?",
    )
      .bind(user.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    expectStatus(await login(user), 200);
    expect(await auditActions(user.id)).toEqual([
      "auth.mfa_enabled:success",
      "auth.mfa_disabled:success",
    ]);
  });

  it("disable with a current TOTP code, or with the password", async () => {
    const clinic = await createClinic();
    const first = await turnOn(clinic.doctor);
    expectStatus(
      await api("POST", "/api/v1/auth/mfa/disable", {
        token: clinic.doctor.token,
        body: { code: first.next() },
      }),
      200,
    );
    await turnOn(clinic.admin);
    expectStatus(
      await api("POST", "/api/v1/auth/mfa/disable", {
        token: clinic.admin.token,
        body: { password: PASSWORD },
      }),
      200,
    );
  });
});

describe("mfa: errors", () => {
  it("rejects a wrong setup code (422, audited) and leaves MFA off", async () => {
    const clinic = await createClinic();
    const user = clinic.doctor;
    const setup = expectStatus(
      await api("POST", "/api/v1/auth/mfa/enable", { token: user.token }),
      200,
    ).body.data;
    const right = new TOTP({ secret: setup.secret }).generate();
    const wrong = right === "000000" ? "111111" : "000000";
    const res = await api("POST", "/api/v1/auth/mfa/verify", {
      token: user.token,
      body: { code: wrong },
    });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error.details).toEqual([
      { field: "code", message: "Invalid or already used code" },
    ]);
    expect(await auditActions(user.id)).toEqual(["auth.mfa_failed:denied"]);
    const row = await env.DB.prepare("SELECT mfa_enabled FROM users WHERE id = ?")
      .bind(user.id)
      .first();
    expect(row).toEqual({ mfa_enabled: 0 });
  });

  it("verify without a pending setup, enable twice, and disable while off answer 409", async () => {
    const clinic = await createClinic();
    const verify = await api("POST", "/api/v1/auth/mfa/verify", {
      token: clinic.nurse.token,
      body: { code: "123456" },
    });
    expect(verify.status, verify.text).toBe(409);
    const disable = await api("POST", "/api/v1/auth/mfa/disable", {
      token: clinic.nurse.token,
      body: { password: PASSWORD },
    });
    expect(disable.status, disable.text).toBe(409);
    await turnOn(clinic.nurse);
    const again = await api("POST", "/api/v1/auth/mfa/enable", { token: clinic.nurse.token });
    expect(again.status, again.text).toBe(409);
  });

  it("disable refuses a wrong password or code (422) and needs exactly one of them", async () => {
    const clinic = await createClinic();
    await turnOn(clinic.physio);
    const wrong = await api("POST", "/api/v1/auth/mfa/disable", {
      token: clinic.physio.token,
      body: { password: "not the password" },
    });
    expect(wrong.status, wrong.text).toBe(422);
    const both = await api("POST", "/api/v1/auth/mfa/disable", {
      token: clinic.physio.token,
      body: { password: PASSWORD, code: "123456" },
    });
    expect(both.status, both.text).toBe(422);
    const row = await env.DB.prepare("SELECT mfa_enabled FROM users WHERE id = ?")
      .bind(clinic.physio.id)
      .first();
    expect(row).toEqual({ mfa_enabled: 1 });
  });
});

describe("mfa: security", () => {
  it("rate limits attempts per user: the 6th within 5 minutes is 429", async () => {
    const clinic = await createClinic();
    const user = clinic.admin;
    expectStatus(await api("POST", "/api/v1/auth/mfa/enable", { token: user.token }), 200);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await api("POST", "/api/v1/auth/mfa/verify", {
        token: user.token,
        body: { code: "000000" },
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(statuses[5]).toBe(429);
  });

  it("a user's codes do not work for another user", async () => {
    const clinic = await createClinic();
    const { next } = await turnOn(clinic.doctor);
    await turnOn(clinic.nurse);
    const res = await login(clinic.nurse, next());
    expect(res.status, res.text).toBe(401);
  });
});
