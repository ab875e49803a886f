/**
 * The general rate limits (seed 002 §6.3): every request per client IP, every authenticated
 * request per user, RATE_LIMIT_IP_PER_MIN / RATE_LIMIT_USER_PER_MIN a minute (default 100).
 *
 * Why not one DO round trip per request: that would sit on every read's critical path (a DO
 * call is as far as a D1 one). Instead each isolate counts locally and reconciles with the
 * RateLimiter DO off the response path:
 * - decide in the isolate: a bucket refuses while this isolate has counted `limit` hits in its
 *   current window, or while the DO last said the bucket is full (`blockedUntil`);
 * - every `k`-th allowed hit (k = limit/10, between 1 and 10) is sent to the DO after the
 *   answer (`waitUntil`) as one unit of a bucket whose allowance is limit/k units; when the DO
 *   refuses a unit, the isolate refuses the bucket until the DO's retry time.
 * So within one isolate the limit is exact; across isolates a client may get up to about
 * (k - 1) extra requests per isolate plus the hits made while a report is in flight, and the DO
 * sees a tenth of the traffic. A refused request is counted nowhere and reaches no handler.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv, Bindings } from "../env";
import { RateLimitedError } from "../lib/errors";
import { POSE_ESTIMATE_PATH } from "../modules/pose/pose.limits";
import { bearerToken, callerFromAccessToken } from "./auth";
import { enforceNamedLimit, limiterStub, minuteLimit, type NamedLimit } from "./rate-limit";
import type { RequestContext } from "./request-context";

type Counter = { start: number; count: number; blockedUntil: number };

/** At most this many buckets per isolate; the oldest are dropped first (the DO remembers). */
const MAX_BUCKETS = 10_000;
const counters = new Map<string, Counter>();

/** Hits per DO report for a limit: a tenth of it, at least 1, at most 10. */
export const reportEvery = (limit: number) => Math.min(10, Math.max(1, Math.floor(limit / 10)));

/**
 * Counts one hit of `subject` against `limit` in this isolate; throws 429 when refused. `now` is
 * injectable for tests.
 */
export function takeGeneral(
  ctx: Pick<RequestContext, "env" | "waitUntil">,
  limit: NamedLimit,
  subject: string,
  now = Date.now(),
) {
  const key = `${limit.name}:${subject}`;
  let counter = counters.get(key);
  if (!counter || now - counter.start >= limit.windowMs) {
    const blockedUntil = counter?.blockedUntil ?? 0;
    if (counter) counters.delete(key);
    counter = { start: now, count: 0, blockedUntil };
    if (counters.size >= MAX_BUCKETS) counters.delete(counters.keys().next().value!);
    counters.set(key, counter);
  }
  if (counter.blockedUntil > now) {
    throw new RateLimitedError((counter.blockedUntil - now) / 1000, limit);
  }
  if (counter.count >= limit.limit) {
    throw new RateLimitedError((counter.start + limit.windowMs - now) / 1000, limit);
  }
  counter.count++;
  const k = reportEvery(limit.limit);
  if (counter.count % k === 0) ctx.waitUntil(report(ctx.env, key, counter, limit, k));
}

/** Sends one unit (k hits) to the bucket's DO; a refusal blocks the bucket in this isolate. */
async function report(env: Bindings, key: string, counter: Counter, limit: NamedLimit, k: number) {
  try {
    const units = Math.max(1, Math.floor(limit.limit / k));
    const decision = await limiterStub(env, `general:${key}:x${k}`).hit(units, limit.windowMs);
    if (!decision.allowed) {
      counter.blockedUntil = Math.max(counter.blockedUntil, Date.now() + decision.retryAfterMs);
    }
  } catch {
    // The DO is unreachable: the isolate's own count still holds the limit here.
  }
}

/** Expensive actions with an exact per-user limit of their own (one DO round trip, POST only). */
const ACTION_LIMITS = new Map([
  [POSE_ESTIMATE_PATH, "pose"],
  ["/api/v1/calls/initiate", "calls"],
] as const);

/**
 * Every request: the per-IP limit; with a valid bearer token (verified tokens are remembered per
 * isolate, so this costs no crypto on repeat) the per-user limit; then the action's own limit.
 * Runs before idempotency and every route, so a refused request stores nothing.
 */
export const rateLimits = () =>
  createMiddleware<AppEnv>(async function rateLimits(c, next) {
    const ctx = c.var.ctx;
    const ipLimit = minuteLimit(ctx.env, "ip");
    if (ipLimit) takeGeneral(ctx, ipLimit, ctx.ip ?? "unknown");
    const token = bearerToken(c.req.header("authorization"));
    if (token) {
      const caller = await callerFromAccessToken(ctx.env.JWT_SECRET, token);
      if (caller) {
        const userLimit = minuteLimit(ctx.env, "user");
        if (userLimit) takeGeneral(ctx, userLimit, caller.userId);
        const action = c.req.method === "POST" ? ACTION_LIMITS.get(c.req.path as never) : undefined;
        if (action) await enforceNamedLimit(ctx.env, action, caller.userId);
      }
    }
    await next();
  });
