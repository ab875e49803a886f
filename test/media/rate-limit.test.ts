/**
 * The upload-URL rate limit: single and multipart upload URLs share one bucket per user, sized by
 * UPLOAD_URL_RATE_PER_MINUTE (tests set it in vitest.config.ts; wrangler.toml sets 10).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import { createClinic } from "../helpers/fixtures";
import { LIMITS, perMinuteLimit } from "../../src/middleware/rate-limit";
import { issue } from "./helpers";

describe("happy", () => {
  it("reads the limit from env, 10 per minute by default", () => {
    expect(perMinuteLimit(undefined, LIMITS.uploadUrl)).toEqual({ limit: 10, windowMs: 60_000 });
    expect(perMinuteLimit("25", LIMITS.uploadUrl)).toEqual({ limit: 25, windowMs: 60_000 });
    expect(perMinuteLimit("zero", LIMITS.uploadUrl)).toBe(LIMITS.uploadUrl);
    expect(perMinuteLimit("0", LIMITS.uploadUrl)).toBe(LIMITS.uploadUrl);
  });
});

describe("errors", () => {
  it("the request past the threshold is a 429 with Retry-After and the limit's name", async () => {
    const clinic = await createClinic("Rate limit clinic");
    const threshold = Number(env.UPLOAD_URL_RATE_PER_MINUTE);
    expect(threshold).toBeGreaterThan(0);
    // One multipart upload and single uploads up to the threshold: all allowed.
    expectStatus(
      await api("POST", "/api/v1/uploads/multipart", {
        token: clinic.physio.token,
        body: {
          purpose: "session_video",
          content_type: "video/mp4",
          size_bytes: 6 * 1024 * 1024,
          owner: { kind: "patient", id: clinic.patient.id },
        },
      }),
      201,
    );
    for (let i = 1; i < threshold; i++) expectStatus(await issue(clinic), 201);

    const refused = await issue(clinic);
    expect(refused.status, refused.text).toBe(429);
    expect(refused.body.error).toMatchObject({
      code: "RATE_LIMITED",
      details: { limit: "upload-url" },
    });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.error.details.retry_after_seconds).toBe(retryAfter);
    // Multipart shares the bucket; nothing was issued for the refused requests.
    const multipart = await api("POST", "/api/v1/uploads/multipart", {
      token: clinic.physio.token,
      body: {
        purpose: "session_video",
        content_type: "video/mp4",
        size_bytes: 6 * 1024 * 1024,
        owner: { kind: "patient", id: clinic.patient.id },
      },
    });
    expect(multipart.status).toBe(429);
    const rows = await env.DB.prepare(
      "select count(*) as n from media_objects where workspace_id = ? and created_by = ?",
    )
      .bind(clinic.workspaceId, clinic.physio.id)
      .first<{ n: number }>();
    expect(rows!.n).toBe(threshold);
    // The limit is per user: another user of the same clinic is still served.
    expectStatus(await issue(clinic, {}, clinic.admin.token), 201);
  }, 60_000);
});
