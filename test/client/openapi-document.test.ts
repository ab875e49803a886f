/**
 * The client's input: client/openapi.json must be exactly what the Worker serves at
 * /openapi.json. A route change fails this test until `npm run client:generate` rewrites the file
 * (and client/src/schema.d.ts from it), so the typed client never drifts from the API.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("happy", () => {
  it("client/openapi.json is the document the Worker serves", async () => {
    const res = await SELF.fetch("https://api.test/openapi.json");
    expect(res.status).toBe(200);
    // `servers` names the origin that asked; the client takes its own baseUrl.
    const { servers: _servers, ...document } = (await res.json()) as Record<string, unknown>;
    await expect(`${JSON.stringify(document, null, 2)}\n`).toMatchFileSnapshot(
      "../../client/openapi.json",
    );
  });
});
