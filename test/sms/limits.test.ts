/**
 * Send limits (SMS cost money): per user and per workspace, counted by the RateLimiter Durable
 * Object. At the threshold the answer is 429 with Retry-After and the limit's name, and nothing is
 * stored or queued.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { smsBuckets, smsLimitsOf } from "../../src/modules/sms/sms.limits";
import { createClinic, createPatientRecord } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { uniquePhone } from "./helpers";

const smsCount = async (workspaceId: string) =>
  (await env.DB.prepare("select count(*) as n from sms_messages where workspace_id = ?")
    .bind(workspaceId)
    .first<{ n: number }>())!.n;

describe("happy", () => {
  it("reads the limits from env, with defaults for missing or bad values", () => {
    expect(smsLimitsOf({ ...env })).toEqual({
      perUser: { limit: 10, windowMs: 60_000 },
      perWorkspace: { limit: 100, windowMs: 3_600_000 },
    });
    expect(
      smsLimitsOf({
        ...env,
        SMS_USER_LIMIT: "3",
        SMS_USER_WINDOW_SECONDS: "x",
        SMS_WORKSPACE_LIMIT: "-1",
        SMS_WORKSPACE_WINDOW_SECONDS: "60",
      }),
    ).toEqual({
      perUser: { limit: 3, windowMs: 60_000 },
      perWorkspace: { limit: 100, windowMs: 60_000 },
    });
  });
});

describe("security", () => {
  it("answers 429 sms_per_user at the user's threshold; other staff still send", async () => {
    const clinic = await createClinic();
    const phone = uniquePhone();
    await createPatientRecord(clinic.workspaceId, { careTeam: [clinic.physio.id], phone });
    const { perUser } = smsLimitsOf(env);
    for (let i = 0; i < perUser.limit; i++) {
      const res = await api("POST", "/api/v1/messaging/send-sms", {
        token: clinic.physio.token,
        body: { recipient_phone: phone, message: `Reminder ${i}` },
      });
      expectStatus(res, 201);
    }
    const refused = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: { recipient_phone: phone, message: "One too many" },
    });
    expectStatus(refused, 429);
    expect(refused.body.error).toMatchObject({
      code: "RATE_LIMITED",
      details: { limit: "sms_per_user" },
    });
    expect(refused.body.error.message).toContain("sms_per_user");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(perUser.windowMs / 1000);
    expect(await smsCount(clinic.workspaceId)).toBe(perUser.limit);
    expectStatus(
      await api("POST", "/api/v1/messaging/send-sms", {
        token: clinic.admin.token,
        body: { recipient_phone: phone, message: "From the admin" },
      }),
      201,
    );
  });

  it("answers 429 sms_per_workspace once the workspace has used its quota", async () => {
    const clinic = await createClinic();
    const { perWorkspace } = smsLimitsOf(env);
    // The workspace's earlier sends, counted straight into its bucket (as the send verb counts).
    const bucket = smsBuckets({ userId: clinic.admin.id, workspaceId: clinic.workspaceId });
    const stub = env.RateLimiter.get(env.RateLimiter.idFromName(bucket.perWorkspace));
    for (let i = 0; i < perWorkspace.limit - 1; i++)
      expect((await stub.hit(perWorkspace.limit, perWorkspace.windowMs)).allowed).toBe(true);
    const last = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, message: "The last one" },
    });
    expectStatus(last, 201);
    const refused = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.admin.token,
      body: { patient_id: clinic.patient.id, message: "Over quota" },
    });
    expectStatus(refused, 429);
    expect(refused.body.error.details.limit).toBe("sms_per_workspace");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
    expect(await smsCount(clinic.workspaceId)).toBe(1);
  });
});
