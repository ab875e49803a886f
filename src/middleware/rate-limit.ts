/**
 * Rate limits over the RateLimiter Durable Object: `enforceRateLimit` throws 429 with Retry-After
 * when a bucket is full. Buckets are named by purpose and subject, e.g. `magic-link:ip:<addr>`.
 */
import { RateLimitedError } from "../lib/errors";
import type { RequestContext } from "./request-context";

export type Limit = { limit: number; windowMs: number };

export const LIMITS = {
  login: { limit: 10, windowMs: 60_000 },
  register: { limit: 10, windowMs: 3600_000 },
  magicLink: { limit: 3, windowMs: 3600_000 },
  mfa: { limit: 5, windowMs: 5 * 60_000 },
  refresh: { limit: 30, windowMs: 60_000 },
} as const satisfies Record<string, Limit>;

export async function checkRateLimit(
  ctx: RequestContext,
  bucket: string,
  { limit, windowMs }: Limit,
) {
  const stub = ctx.env.RateLimiter.get(ctx.env.RateLimiter.idFromName(bucket));
  return stub.hit(limit, windowMs);
}

/** Throws 429 with Retry-After when the bucket is full; `name` is said in the error. */
export async function enforceRateLimit(
  ctx: RequestContext,
  bucket: string,
  limit: Limit,
  name?: string,
) {
  const decision = await checkRateLimit(ctx, bucket, limit);
  if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs / 1000, name);
  return decision;
}

/** The client's address as the bucket subject; requests without one share a bucket. */
export const ipBucket = (ctx: RequestContext, purpose: string) =>
  `${purpose}:ip:${ctx.ip ?? "unknown"}`;
