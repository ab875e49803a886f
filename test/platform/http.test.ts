/** The HTTP conventions every route shares: envelope meta, errors, limits, headers, CORS, docs. */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp, MAX_JSON_BODY_BYTES } from "../../src/app";
import { api, expectStatus, type ApiResponse } from "../helpers/http";

// Requests that reach rate-limited routes carry their own address, so they never share a
// bucket with other test files.
const ip = () => ({ "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250) + 1}` });
const LOGIN = "/api/v1/auth/login";

function expectRequestId(res: ApiResponse) {
  const header = res.headers.get("x-request-id");
  expect(header, res.text).toBeTruthy();
  expect(res.body?.meta?.request_id, res.text).toBe(header);
}

describe("happy", () => {
  it("puts request_id in meta and X-Request-Id on success, error and 404", async () => {
    expectRequestId(expectStatus(await api("GET", "/api/v1/health"), 200));
    expectRequestId(expectStatus(await api("GET", "/api/v1/auth/profile"), 401));
    expectRequestId(expectStatus(await api("GET", "/api/v1/no-such-route"), 404));
    expectRequestId(
      expectStatus(
        await api("POST", LOGIN, {
          raw: "{",
          headers: { ...ip(), "content-type": "application/json" },
        }),
        400,
      ),
    );
  });

  it("echoes a well-formed client X-Request-Id and replaces a malformed one", async () => {
    const mine = "client-req-0123456789";
    const echoed = await api("GET", "/health", { headers: { "x-request-id": mine } });
    expect(echoed.headers.get("x-request-id")).toBe(mine);
    const bad = await api("GET", "/health", { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).not.toBe("<script>");
  });

  it("sets the security headers, and no-store on API responses", async () => {
    for (const path of ["/api/v1/health", "/api/v1/nothing-here"]) {
      const res = await api("GET", path);
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("answers CORS for an allowed origin only, preflight included", async () => {
    const allowed = env.CORS_ORIGINS.split(",")[0]!.trim();
    const ok = await api("GET", "/api/v1/health", { headers: { origin: allowed } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    const other = await api("GET", "/api/v1/health", {
      headers: { origin: "https://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();

    const preflight = await SELF.fetch(`https://api.test${LOGIN}`, {
      method: "OPTIONS",
      headers: {
        origin: allowed,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain(
      "authorization",
    );
    const foreign = await SELF.fetch(`https://api.test${LOGIN}`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves an OpenAPI 3.1 document listing the platform routes", async () => {
    const doc = expectStatus(await api("GET", "/openapi.json"), 200).body;
    expect(doc.openapi).toMatch(/^3\.1\./);
    for (const path of ["/health", "/api/v1/health", "/docs", "/openapi.json"])
      expect(doc.paths[path]?.get, `${path} in /openapi.json`).toBeTruthy();
  });

  it("serves /docs as HTML over the vendored Swagger UI, and the asset itself", async () => {
    const docs = expectStatus(await api("GET", "/docs"), 200);
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(docs.text).toContain("/docs-assets/swagger-ui-bundle.js");
    // Its own CSP lets the page load its scripts and styles from this origin.
    expect(docs.headers.get("content-security-policy")).toContain("default-src 'self'");
    // In production the [assets] layer answers /docs-assets/* before the Worker runs. The test
    // pool sends SELF straight to the Worker (it answers a JSON 404 there), so the asset is
    // checked through the ASSETS binding that serves it.
    const asset = await env.ASSETS.fetch("https://api.test/docs-assets/swagger-ui-bundle.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect((await asset.text()).length).toBeGreaterThan(10_000);
  });
});

describe("errors", () => {
  it("answers unknown routes with a JSON 404, GET and POST", async () => {
    for (const method of ["GET", "POST"]) {
      const res = expectStatus(
        await api(method, "/api/v1/definitely-not-here", method === "POST" ? { body: {} } : {}),
        404,
      );
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(res.body).toMatchObject({ success: false, error: { code: "NOT_FOUND" } });
    }
  });

  it("answers a malformed JSON body with 400 INVALID_REQUEST, not 500", async () => {
    for (const raw of ["{", '{"email": ', "not json at all"]) {
      const res = await api("POST", LOGIN, {
        raw,
        headers: { ...ip(), "content-type": "application/json" },
      });
      expectStatus(res, 400);
      expect(res.body.error.code).toBe("INVALID_REQUEST");
    }
  });

  it("answers a body over 1 MiB with 413 PAYLOAD_TOO_LARGE", async () => {
    const big = JSON.stringify({ email: "a@b.test", password: "x".repeat(MAX_JSON_BODY_BYTES) });
    const res = await api("POST", LOGIN, {
      raw: big,
      headers: { ...ip(), "content-type": "application/json" },
    });
    expectStatus(res, 413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expectRequestId(res);
  });

  it("names every invalid field in a validation error", async () => {
    const res = await api("POST", LOGIN, {
      body: { email: 12, password: "", mfa_code: "??" },
      headers: ip(),
    });
    expectStatus(res, 422);
    expect(res.body.error.code).toBe("VALIDATION_ERROR");
    const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(["email", "mfa_code", "password"]);
  });

  it("answers the 500 envelope with a request id even when a non-Error is thrown", async () => {
    const app = createApp();
    app.get("/api/v1/test-throws", () => {
      throw { message: "internal detail", data: { secret: 1 } };
    });
    const res = await app.request("/api/v1/test-throws", {}, env);
    expect(res.status).toBe(500);
    const body = await res.json<any>();
    expect(body.error).toEqual({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error" });
    expect(res.headers.get("x-request-id")).toBe(body.meta.request_id);
  });

  it("never leaks internals in an error body", async () => {
    const res = await api("POST", LOGIN, {
      raw: "{",
      headers: { ...ip(), "content-type": "application/json" },
    });
    expect(res.text).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);
  });
});
