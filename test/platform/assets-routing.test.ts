/**
 * The Worker answers every request and hands only the static prefixes to the ASSETS service
 * binding (the assets-only Worker of assets/wrangler.toml, an auxiliary worker in
 * vitest.config.ts): Swagger UI's files are served, API paths never reach assets.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker, { isAssetPath } from "../../src/index";

async function call(path: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://api.test${path}`), env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, text };
}

describe("happy", () => {
  it("serves /docs-assets/* from the assets binding through the Worker", async () => {
    const { res, text } = await call("/docs-assets/swagger-ui-bundle.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("javascript");
    expect(text.length).toBeGreaterThan(10_000);
    const css = await call("/docs-assets/swagger-ui.css?v=1");
    expect(css.res.status).toBe(200);
    expect(css.res.headers.get("content-type")).toContain("css");
  });

  it("answers the API itself: /ping, /docs and the envelope 404 are the app's", async () => {
    expect((await call("/ping")).res.status).toBe(200);
    const docs = await call("/docs");
    expect(docs.res.headers.get("content-type")).toContain("text/html");
    const missing = await call("/api/v1/no-such-route");
    expect(missing.res.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ success: false });
  });
});

describe("errors", () => {
  it("answers a missing static file with the assets' 404, not the app", async () => {
    const { res } = await call("/docs-assets/no-such-file.js");
    expect(res.status).toBe(404);
  });
});

describe("security", () => {
  it("does not serve assets for look-alike paths or API paths holding an asset name", async () => {
    for (const path of ["/docs-assetsX/swagger-ui.css", "/api/v1/docs-assets/swagger-ui.css"]) {
      const { res, text } = await call(path);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(text), path).toMatchObject({ success: false });
    }
    const yes = [
      "/console-assets/console.js",
      "/docs-assets",
      "/docs-assets?v=1",
      "/docs-assets/a.js",
    ];
    const no = ["/console", "/consoles", "/api/v1/console", "/docs-assets-x/a.js", "/ping", "/"];
    for (const path of yes) expect(isAssetPath(`https://api.test${path}`), path).toBe(true);
    for (const path of no) expect(isAssetPath(`https://api.test${path}`), path).toBe(false);
  });
});
