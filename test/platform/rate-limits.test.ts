/**
 * The general limits (per IP, per user) and the action limits (pose estimation, call initiation,
 * SFU sessions). The test config sets every limit high; each test lowers the one it checks on
 * the shared bindings and restores it after, and uses its own users and addresses.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { RateLimitedError } from "../../src/lib/errors";
import { enforceNamedLimit } from "../../src/middleware/rate-limit";
import { reportEvery } from "../../src/middleware/rate-limit.general";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus, type ApiResponse } from "../helpers/http";

const bindings = env as unknown as Record<string, string | undefined>;
const HIGH = "1000000";
const NAMES = [
  "RATE_LIMIT_IP_PER_MIN",
  "RATE_LIMIT_USER_PER_MIN",
  "RATE_LIMIT_POSE_PER_MIN",
  "RATE_LIMIT_CALLS_PER_MIN",
  "RATE_LIMIT_SFU_PER_MIN",
];
afterEach(() => {
  for (const name of NAMES) bindings[name] = HIGH;
});

let address = 0;
const newIp = () => ({ "cf-connecting-ip": `10.77.${++address % 250}.${Date.now() % 250}` });

function expectLimited(res: ApiResponse, name: string, perMinute: number) {
  expectStatus(res, 429);
  expect(res.body.error.code).toBe("RATE_LIMITED");
  expect(res.body.error.details).toMatchObject({
    limit: name,
    limit_per_window: perMinute,
    window_seconds: 60,
  });
  const retry = Number(res.headers.get("retry-after"));
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(60);
  expect(res.body.error.details.retry_after_seconds).toBe(retry);
  expect(res.headers.get("ratelimit-policy")).toBe(`"${name}";q=${perMinute};w=60`);
}

const auditCount = async (actorId: string, action: string) =>
  (await env.DB.prepare("select count(*) as n from audit_log where actor_id = ? and action = ?")
    .bind(actorId, action)
    .first<{ n: number }>())!.n;

describe("happy", () => {
  it("reports a tenth of the hits to the DO, between every hit and every tenth", () => {
    expect([1, 5, 19, 20, 100, 1000, 1_000_000].map(reportEvery)).toEqual([1, 1, 1, 2, 10, 10, 10]);
  });

  it("per IP: every request counts, the next one after the limit is 429 `ip`", async () => {
    bindings.RATE_LIMIT_IP_PER_MIN = "3";
    const headers = newIp();
    for (let i = 0; i < 3; i++) expectStatus(await api("GET", "/ping", { headers }), 200);
    expectLimited(await api("GET", "/ping", { headers }), "ip", 3);
    // Unauthenticated API calls share the address's allowance.
    expectLimited(await api("GET", "/api/v1/health", { headers }), "ip", 3);
    // Another address is unaffected.
    expectStatus(await api("GET", "/ping", { headers: newIp() }), 200);
  });

  it("per user: across addresses; the refused request runs nothing (no audit entry)", async () => {
    const clinic = await createClinic();
    bindings.RATE_LIMIT_USER_PER_MIN = "3";
    const token = clinic.physio.token;
    for (let i = 0; i < 3; i++) {
      expectStatus(await api("GET", "/api/v1/auth/profile", { token, headers: newIp() }), 200);
    }
    const refused = await api("GET", "/api/v1/auth/profile", { token, headers: newIp() });
    expectLimited(refused, "user", 3);
    expect(await auditCount(clinic.physio.id, "user.read")).toBe(3);
    // Another user of the same clinic keeps their own allowance.
    expectStatus(await api("GET", "/api/v1/auth/profile", { token: clinic.nurse.token }), 200);
  });
});

describe("errors", () => {
  it("pose estimation: 429 `pose` at the threshold, before the body is read", async () => {
    const clinic = await createClinic();
    bindings.RATE_LIMIT_POSE_PER_MIN = "2";
    const estimate = () =>
      api("POST", "/api/v1/pose/estimate", {
        token: clinic.patientUser.token,
        body: { image: "" },
      });
    // Attempts count whatever their outcome (here: no image, 422).
    expectStatus(await estimate(), 422);
    expectStatus(await estimate(), 422);
    expectLimited(await estimate(), "pose", 2);
    // Other routes of the same user are not held by the action's limit.
    expectStatus(
      await api("GET", "/api/v1/auth/profile", { token: clinic.patientUser.token }),
      200,
    );
  });

  it("call initiation: 429 `calls` at the threshold; a refused retry stores no key", async () => {
    const clinic = await createClinic();
    bindings.RATE_LIMIT_CALLS_PER_MIN = "2";
    const initiate = (key: string) =>
      api("POST", "/api/v1/calls/initiate", {
        token: clinic.physio.token,
        headers: { "idempotency-key": key },
        body: { recipient_id: clinic.patientUser.id, call_type: "video" },
      });
    expectStatus(await initiate(`call-key-${crypto.randomUUID()}`), 201);
    expectStatus(await initiate(`call-key-${crypto.randomUUID()}`), 201);
    const key = `call-key-${crypto.randomUUID()}`;
    expectLimited(await initiate(key), "calls", 2);
    const stored = await env.DB.prepare("select count(*) as n from idempotency_keys where key = ?")
      .bind(key)
      .first<{ n: number }>();
    expect(stored!.n).toBe(0);
    const calls = await env.DB.prepare("select count(*) as n from calls where created_by = ?")
      .bind(clinic.physio.id)
      .first<{ n: number }>();
    expect(calls!.n).toBe(2);
  });

  it("SFU session creation: the room's check refuses the user past the limit", async () => {
    const userId = crypto.randomUUID();
    const limited = { RateLimiter: env.RateLimiter, RATE_LIMIT_SFU_PER_MIN: "2" };
    await enforceNamedLimit(limited, "sfu", userId);
    await enforceNamedLimit(limited, "sfu", userId);
    const refused = await enforceNamedLimit(limited, "sfu", userId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).details).toMatchObject({ limit: "sfu" });
    // Turned off ("0"): never refuses.
    await enforceNamedLimit({ ...limited, RATE_LIMIT_SFU_PER_MIN: "0" }, "sfu", userId);
  });
});

describe("security", () => {
  it("a bucket the DO reports full (hits counted by other isolates) is refused here too", async () => {
    const clinic = await createClinic();
    bindings.RATE_LIMIT_USER_PER_MIN = "10";
    // Other isolates used this user's whole allowance (at this limit, one DO unit per hit).
    const bucket = env.RateLimiter.get(
      env.RateLimiter.idFromName(`general:user:${clinic.doctor.id}:x1`),
    );
    for (let i = 0; i < 10; i++) expect((await bucket.hit(10, 60_000)).allowed).toBe(true);
    // This isolate has counted nothing: it answers, and its report learns the bucket is full.
    // Its own count would allow 10; the DO's answer stops the user well before that.
    const token = clinic.doctor.token;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await api("GET", "/api/v1/auth/profile", { token });
      statuses.push(res.status);
      if (res.status === 429) {
        expectLimited(res, "user", 10);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(statuses.at(-1), statuses.join(",")).toBe(429);
    expect(statuses.length).toBeLessThan(10);
  });
});
