import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("health", () => {
  it("reports D1 and R2 reachable on both paths", async () => {
    for (const path of ["/health", "/api/v1/health"]) {
      const res = await SELF.fetch(`https://api.test${path}`);
      const body = await res.json<any>();
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.data.checks).toEqual({ d1: "ok", r2: "ok" });
      expect(body.meta.request_id).toBeTruthy();
    }
  });
});
