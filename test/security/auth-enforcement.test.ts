/**
 * "Every route's auth comes from its definition": for every route of the app, what it enforces
 * without credentials matches what /openapi.json says, both ways.
 * - documented `bearerAuth`: answers 401 without a token (and with a forged one);
 * - documented `socketToken` (WebSocket upgrades): answers 401 without a token, from the socket
 *   handler's own check;
 * - documented with no security: answers the same with and without a valid bearer token, and
 *   something other than 401 without one (except the routes with a credential of their own,
 *   listed in OWN_CREDENTIAL);
 * - every route hono can answer is documented (no route enforces or skips auth unseen), and every
 *   operation's security is one of the three `auth` kinds.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { AUTH_SECURITY, authOf } from "../../src/lib/openapi";
import { createClinic } from "../helpers/fixtures";
import { api } from "../helpers/http";

type Operation = { security?: Record<string, string[]>[] };
const SAMPLE_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

/** Public routes that answer 401 to a missing credential that is not a bearer token. */
const OWN_CREDENTIAL = new Set([
  "POST /api/v1/auth/refresh", // the refresh token, in the body or the cookie
  "POST /api/v1/dev/seed", // X-Seed-Token
]);

async function documented() {
  const doc = (await api("GET", "/openapi.json")).body;
  const ops: { method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries<Record<string, Operation>>(doc.paths)) {
    for (const [method, op] of Object.entries(item)) ops.push({ method, path, op });
  }
  return ops;
}

describe("auth in the route definition", () => {
  it("enforces exactly what /openapi.json documents, for every route", async () => {
    const ops = await documented();
    const { admin } = await createClinic();
    expect(ops.length).toBeGreaterThan(150);
    const wrong: string[] = [];
    const seen = { bearer: 0, public: 0, socket: 0 };
    const check = async ({ method, path, op }: (typeof ops)[number]) => {
      const auth = authOf(op.security);
      seen[auth]++;
      expect(op.security, `${method} ${path}: security`).toEqual(AUTH_SECURITY[auth]);
      const url = path.replace(/\{[^}]+\}/g, SAMPLE_ID);
      const init = method === "get" ? {} : { body: {} };
      const anonymous = await api(method.toUpperCase(), url, init);
      const name = `${method.toUpperCase()} ${path}`;
      const refused = anonymous.status === 401;
      if (auth === "public" ? refused && !OWN_CREDENTIAL.has(name) : !refused) {
        wrong.push(`${auth} ${name}: ${anonymous.status} without a token`);
      }
      if (auth === "public") {
        const signedIn = await api(method.toUpperCase(), url, { ...init, token: admin.token });
        if (signedIn.status !== anonymous.status) {
          wrong.push(
            `public ${name}: ${anonymous.status} without a token, ${signedIn.status} with`,
          );
        }
      }
      if (auth === "bearer") {
        const forged = await api(method.toUpperCase(), url, { ...init, token: "forged.token.x" });
        if (forged.status !== 401)
          wrong.push(`bearer ${method.toUpperCase()} ${path}: forged token`);
      }
    };
    for (let i = 0; i < ops.length; i += 16) await Promise.all(ops.slice(i, i + 16).map(check));
    expect(wrong).toEqual([]);
    expect(seen.public).toBeGreaterThan(10);
    expect(seen.socket).toBe(5);
  }, 120_000);

  it("documents every route the app answers (no route outside the document)", async () => {
    const docs = new Set((await documented()).map((o) => `${o.method.toUpperCase()} ${o.path}`));
    const app = createApp();
    const answered = app.routes
      .filter((r) => r.method !== "ALL" && !r.path.endsWith("*"))
      // hono form back to OpenAPI form: `:id{<uuid>}` and `:id` are `{id}`.
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)(\{[^/]*\})?/g, "{$1}")}`);
    expect(answered.length).toBeGreaterThan(150);
    expect([...new Set(answered)].filter((r) => !docs.has(r))).toEqual([]);
  });

  it("answers a malformed id with 401 first, then 422 naming the parameter", async () => {
    const app = createApp();
    const anonymous = await app.request("/api/v1/patients/not-a-uuid", {}, env);
    expect(anonymous.status).toBe(401);
    const forged = await app.request(
      "/api/v1/patients/not-a-uuid/care-team",
      { headers: { authorization: "Bearer forged" } },
      env,
    );
    expect(forged.status).toBe(401);
  });
});
