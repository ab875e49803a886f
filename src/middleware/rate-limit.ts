/**
 * Rate limits over the RateLimiter Durable Object (party/rate-limiter.ts): `enforceRateLimit`
 * throws 429 with Retry-After when a bucket is full. Buckets are named by purpose and subject,
 * e.g. `magic-link:ip:<addr>`; the purpose is the limit's name in the 429.
 *
 * Two kinds:
 * - exact (`enforceRateLimit`, `enforceNamedLimit`): one DO round trip before the work, for
 *   rare or expensive actions (login, MFA, pose estimation, call initiation, SFU sessions).
 * - general (`rate-limit.general.ts`): every request, per IP and per user, counted in the isolate
 *   and reconciled with the DO off the response path, so reads pay no round trip for it.
 */
import type { Bindings } from "../env";
import { RateLimitedError } from "../lib/errors";
import type { RequestContext } from "./request-context";

export type Limit = { limit: number; windowMs: number };
export type NamedLimit = Limit & { name: string };

export const LIMITS = {
  login: { limit: 10, windowMs: 60_000 },
  register: { limit: 10, windowMs: 3600_000 },
  magicLink: { limit: 3, windowMs: 3600_000 },
  mfa: { limit: 5, windowMs: 5 * 60_000 },
  refresh: { limit: 30, windowMs: 60_000 },
  /** Upload URLs (single and multipart) per user; `UPLOAD_URL_RATE_PER_MINUTE` overrides it. */
  uploadUrl: { limit: 10, windowMs: 60_000 },
} as const satisfies Record<string, Limit>;

/**
 * Per-minute limits set by env (seed 002 §6.3: 100 requests a minute); "0" turns one off.
 * `ip` and `user` are the general limits; the others guard expensive actions, per user.
 */
export const MINUTE_LIMITS = {
  ip: { env: "RATE_LIMIT_IP_PER_MIN", perMinute: 100 },
  user: { env: "RATE_LIMIT_USER_PER_MIN", perMinute: 100 },
  pose: { env: "RATE_LIMIT_POSE_PER_MIN", perMinute: 30 },
  calls: { env: "RATE_LIMIT_CALLS_PER_MIN", perMinute: 10 },
  sfu: { env: "RATE_LIMIT_SFU_PER_MIN", perMinute: 20 },
} as const satisfies Record<string, { env: keyof Bindings; perMinute: number }>;

export type LimitName = keyof typeof MINUTE_LIMITS;

/** The named limit as configured in `env`, or null when turned off ("0"). */
export function minuteLimit(env: Partial<Bindings>, name: LimitName): NamedLimit | null {
  const spec = MINUTE_LIMITS[name];
  const raw = env[spec.env] as string | undefined;
  const value = raw === undefined || raw.trim() === "" ? spec.perMinute : Number(raw);
  if (!Number.isFinite(value) || value < 0)
    return { name, limit: spec.perMinute, windowMs: 60_000 };
  if (value === 0) return null;
  return { name, limit: Math.floor(value), windowMs: 60_000 };
}

export function limiterStub(env: Pick<Bindings, "RateLimiter">, bucket: string) {
  return env.RateLimiter.get(env.RateLimiter.idFromName(bucket));
}

const parsedLimits = new Map<string, Limit>();

/**
 * A per-minute limit from an env value (a positive integer), parsed once per isolate; the
 * fallback when unset or not a positive integer.
 */
export function perMinuteLimit(value: string | undefined, fallback: Limit): Limit {
  if (value === undefined) return fallback;
  let limit = parsedLimits.get(value);
  if (!limit) {
    const count = /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : 0;
    limit = count > 0 ? { limit: count, windowMs: 60_000 } : fallback;
    parsedLimits.set(value, limit);
  }
  return limit;
}

export async function checkRateLimit(
  ctx: RequestContext,
  bucket: string,
  { limit, windowMs }: Limit,
) {
  return limiterStub(ctx.env, bucket).hit(limit, windowMs);
}

/** Throws 429 with Retry-After when the bucket is full; `name` is told to the client. */
export async function enforceRateLimit(
  ctx: RequestContext,
  bucket: string,
  limit: Limit,
  options: { name?: string } = {},
) {
  const decision = await checkRateLimit(ctx, bucket, limit);
  if (!decision.allowed) {
    const cut = bucket.indexOf(":");
    const name = options.name ?? (cut > 0 ? bucket.slice(0, cut) : bucket);
    throw new RateLimitedError(decision.retryAfterMs / 1000, { name, ...limit });
  }
  return decision;
}

/**
 * An exact per-user limit of an expensive action (one DO round trip): pose estimation, call
 * initiation, SFU session creation. A refused attempt is not counted and nothing else runs.
 */
export async function enforceNamedLimit(
  env: Pick<Bindings, "RateLimiter"> & Partial<Bindings>,
  name: Exclude<LimitName, "ip" | "user">,
  userId: string,
) {
  const limit = minuteLimit(env, name);
  if (!limit) return;
  const decision = await limiterStub(env, `${name}:user:${userId}`).hit(
    limit.limit,
    limit.windowMs,
  );
  if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs / 1000, limit);
}

/** The client's address as the bucket subject; requests without one share a bucket. */
export const ipBucket = (ctx: RequestContext, purpose: string) =>
  `${purpose}:ip:${ctx.ip ?? "unknown"}`;
