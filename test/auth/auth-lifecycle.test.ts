import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";

const ip = () => ({
  "cf-connecting-ip": `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
});
const unique = () => `owner.${crypto.randomUUID().slice(0, 8)}@clinic.test`;
const PASSWORD = "a long enough passphrase";

async function registerClinic(email = unique()) {
  const res = await api("POST", "/api/v1/auth/register", {
    headers: ip(),
    body: { email, password: PASSWORD, name: "Olivia Owner", workspace_name: "Harbour Physio" },
  });
  expectStatus(res, 201);
  return { email, ...res.body.data };
}

describe("auth lifecycle: happy", () => {
  it("registers a clinic, logs in, reads the profile, rotates, logs out", async () => {
    const reg = await registerClinic();
    expect(reg.user).toMatchObject({ email: reg.email, name: "Olivia Owner", role: "admin" });
    expect(reg.token_type).toBe("Bearer");
    // A new clinic starts with the default exercise catalog.
    const catalog = expectStatus(
      await api("GET", "/api/v1/exercise-types?page_size=100", { token: reg.access_token }),
      200,
    );
    expect(catalog.body.pagination.total_items).toBeGreaterThanOrEqual(10);

    const login = expectStatus(
      await api("POST", "/api/v1/auth/login", {
        headers: ip(),
        body: { email: reg.email.toUpperCase(), password: PASSWORD },
      }),
      200,
    );
    const { access_token, refresh_token, expires_in, user } = login.body.data;
    expect(expires_in).toBe(900);
    expect(user).toEqual({
      id: reg.user.id,
      email: reg.email,
      name: "Olivia Owner",
      role: "admin",
      workspace_id: reg.user.workspace_id,
    });
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/rehab_refresh=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Strict/i);

    const profile = expectStatus(
      await api("GET", "/api/v1/auth/profile", { token: access_token }),
      200,
    );
    expect(profile.body.data).toMatchObject({ id: user.id, email: reg.email, mfa_enabled: false });

    const rotated = expectStatus(
      await api("POST", "/api/v1/auth/refresh", { headers: ip(), body: { refresh_token } }),
      200,
    );
    expect(rotated.body.data.refresh_token).not.toBe(refresh_token);
    expectStatus(
      await api("GET", "/api/v1/auth/profile", { token: rotated.body.data.access_token }),
      200,
    );

    // The cookie works as well as the body.
    const viaCookie = await api("POST", "/api/v1/auth/refresh", {
      headers: { ...ip(), cookie: `rehab_refresh=${rotated.body.data.refresh_token}` },
    });
    expectStatus(viaCookie, 200);

    expectStatus(
      await api("POST", "/api/v1/auth/logout", { token: viaCookie.body.data.access_token }),
      200,
    );
    // Logout takes effect at once, long before the access token expires.
    const after = await api("GET", "/api/v1/auth/profile", {
      token: viaCookie.body.data.access_token,
    });
    expect(after.status, after.text).toBe(401);
    const refreshAfter = await api("POST", "/api/v1/auth/refresh", {
      headers: ip(),
      body: { refresh_token: viaCookie.body.data.refresh_token },
    });
    expect(refreshAfter.status).toBe(401);
    // The whole session ends (the login's own access token too); other sessions are untouched.
    expect((await api("GET", "/api/v1/auth/profile", { token: access_token })).status).toBe(401);
    expectStatus(await api("GET", "/api/v1/auth/profile", { token: reg.access_token }), 200);
  });

  it("replaying a used refresh token revokes the whole family, the newest token included", async () => {
    const reg = await registerClinic();
    const first = reg.refresh_token;
    const second = expectStatus(
      await api("POST", "/api/v1/auth/refresh", { headers: ip(), body: { refresh_token: first } }),
      200,
    ).body.data;
    const third = expectStatus(
      await api("POST", "/api/v1/auth/refresh", {
        headers: ip(),
        body: { refresh_token: second.refresh_token },
      }),
      200,
    ).body.data;

    const replay = await api("POST", "/api/v1/auth/refresh", {
      headers: ip(),
      body: { refresh_token: first },
    });
    expect(replay.status, replay.text).toBe(401);

    expect(
      (
        await api("POST", "/api/v1/auth/refresh", {
          headers: ip(),
          body: { refresh_token: third.refresh_token },
        })
      ).status,
    ).toBe(401);
    expect((await api("GET", "/api/v1/auth/profile", { token: third.access_token })).status).toBe(
      401,
    );

    const audit = await env.DB.prepare(
      "SELECT outcome FROM audit_log WHERE action = 'auth.refresh_reused' AND actor_id = ?",
    )
      .bind(reg.user.id)
      .all();
    expect(audit.results).toEqual([{ outcome: "denied" }]);
  });

  it("two concurrent refreshes with one token: one wins, the reuse revokes the family", async () => {
    const reg = await registerClinic();
    const results = await Promise.all(
      [0, 1].map(() =>
        api("POST", "/api/v1/auth/refresh", {
          headers: ip(),
          body: { refresh_token: reg.refresh_token },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200)!;
    expect(
      (await api("GET", "/api/v1/auth/profile", { token: winner.body.data.access_token })).status,
    ).toBe(401);
  });
});

describe("auth lifecycle: errors", () => {
  it("answers the same for an unknown email and a wrong password, and audits both", async () => {
    const reg = await registerClinic();
    const wrong = await api("POST", "/api/v1/auth/login", {
      headers: ip(),
      body: { email: reg.email, password: "not the password" },
    });
    const unknown = await api("POST", "/api/v1/auth/login", {
      headers: ip(),
      body: { email: unique(), password: "not the password" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    const rows = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'auth.login_failed' AND request_id IN (?, ?)",
    )
      .bind(wrong.headers.get("x-request-id"), unknown.headers.get("x-request-id"))
      .first<{ n: number }>();
    expect(rows?.n).toBe(2);
  });

  it("rejects a duplicate registration with 409", async () => {
    const reg = await registerClinic();
    const again = await api("POST", "/api/v1/auth/register", {
      headers: ip(),
      body: { email: reg.email, password: PASSWORD, name: "Someone", workspace_name: "Another" },
    });
    expect(again.status, again.text).toBe(409);
    expect(again.body.error.code).toBe("DUPLICATE_ENTRY");
  });

  it("names every invalid field", async () => {
    const res = await api("POST", "/api/v1/auth/register", {
      headers: ip(),
      body: { email: "nope", password: "short", name: "" },
    });
    expect(res.status).toBe(422);
    const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(expect.arrayContaining(["email", "name", "password", "workspace_name"]));
  });

  it("rate limits login per address with 429 and Retry-After", async () => {
    const headers = ip();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await api("POST", "/api/v1/auth/login", {
        headers,
        body: { email: unique(), password: "whatever it is" },
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(res.body.error.code).toBe("RATE_LIMITED");
      }
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});

describe("auth: data at rest", () => {
  it("stores no plaintext email, name or password, and PBKDF2 within the Workers cap", async () => {
    const reg = await registerClinic();
    const row = await env.DB.prepare("SELECT * FROM users WHERE id = ?")
      .bind(reg.user.id)
      .first<Record<string, unknown>>();
    const raw = JSON.stringify(row);
    expect(raw).not.toContain(reg.email);
    expect(raw).not.toContain("Olivia");
    expect(raw).not.toContain(PASSWORD);
    const [scheme, iterations] = String(row!.password_hash).split("$");
    expect(scheme).toBe("pbkdf2-sha256");
    expect(Number(iterations)).toBeLessThanOrEqual(100_000);
  });
});
