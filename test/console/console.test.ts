/**
 * `GET /console`: the console's HTML shell. It holds no data (the app signs in against the API),
 * so it is public; what matters is that it loads only this Worker's own scripts under a CSP that
 * allows nothing else, and cannot be framed.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const get = (init?: RequestInit) => SELF.fetch("https://api.test/console", init);

describe("console page", () => {
  describe("happy", () => {
    it("serves the shell that loads the bundled app from /console-assets", async () => {
      const res = await get();
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('<script type="module" src="/console-assets/console.js"></script>');
      expect(html).toContain('<link rel="stylesheet" href="/console-assets/console.css">');
      expect(html).toContain('<main id="main"');
    });

    it("has its app, wasm and model files among the Worker's static assets (no CDN)", async () => {
      // Built by scripts/build-console.mjs, which `npm test` runs before vitest.
      for (const path of [
        "/console-assets/console.js",
        "/console-assets/console.css",
        "/console-assets/wasm/tfjs-backend-wasm-simd.wasm",
        "/console-assets/models/blazepose-detector.json",
        "/console-assets/models/blazepose-lite.bin",
      ]) {
        const res = await env.ASSETS.fetch(`https://api.test${path}`);
        expect(res.status, path).toBe(200);
        await res.arrayBuffer();
      }
    });

    it("is listed in the OpenAPI document", async () => {
      const doc = await (await SELF.fetch("https://api.test/openapi.json")).json<any>();
      expect(doc.paths["/console"]?.get).toBeTruthy();
    });
  });

  describe("errors", () => {
    it("answers other methods with a 4xx, never a 500", async () => {
      for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
        const res = await get({ method, body: "{}" });
        expect(res.status, method).toBeGreaterThanOrEqual(400);
        expect(res.status, method).toBeLessThan(500);
      }
    });

    it("ignores a bogus bearer token (the page is the same for everyone)", async () => {
      const res = await get({ headers: { authorization: "Bearer not-a-token" } });
      expect(res.status).toBe(200);
    });
  });

  describe("security", () => {
    it("sends a CSP that allows only this origin: no inline or foreign scripts, no framing", async () => {
      const res = await get();
      const csp = res.headers.get("content-security-policy") ?? "";
      const directives = Object.fromEntries(
        csp.split(";").map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name, values];
        }),
      );
      expect(directives["default-src"]).toEqual(["'self'"]);
      expect(directives["script-src"]).toEqual(["'self'", "'wasm-unsafe-eval'"]);
      expect(directives["frame-ancestors"]).toEqual(["'none'"]);
      expect(csp).not.toMatch(/unsafe-inline.*script|https?:/);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      const permissions = res.headers.get("permissions-policy") ?? "";
      expect(permissions).toContain("camera=(self)");
      // The microphone for chat voice messages, this origin only; nothing else.
      expect(permissions).toContain("microphone=(self)");
      expect(permissions).toContain("geolocation=()");
    });

    it("has no inline script for the CSP to refuse and no data in the page", async () => {
      const html = await (await get()).text();
      expect(html.match(/<script\b[^>]*>/g)).toEqual([
        '<script type="module" src="/console-assets/console.js">',
      ]);
      expect(html).not.toMatch(/patient|token|@/i);
    });
  });
});
