/**
 * Rate limits on sending SMS (each one costs money), per user and per workspace, counted by the
 * RateLimiter Durable Object (one sliding window per bucket, so they hold across isolates).
 *
 * Configured by env: SMS_USER_LIMIT per SMS_USER_WINDOW_SECONDS (default 10 a minute) and
 * SMS_WORKSPACE_LIMIT per SMS_WORKSPACE_WINDOW_SECONDS (default 100 an hour); a value that is not
 * a positive integer falls back to its default. Checked after every other check and before
 * anything is stored, so a refused send (429 naming the limit) stores and sends nothing.
 */
import type { Bindings } from "../../env";
import { enforceRateLimit, type Limit } from "../../middleware/rate-limit";
import type { Caller, RequestContext } from "../../middleware/request-context";

export type SmsLimits = { perUser: Limit; perWorkspace: Limit };

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

let cached: { key: string; limits: SmsLimits } | null = null;

/** The limits from env, parsed once per isolate (per distinct setting). */
export function smsLimitsOf(env: Bindings): SmsLimits {
  const key = [
    env.SMS_USER_LIMIT,
    env.SMS_USER_WINDOW_SECONDS,
    env.SMS_WORKSPACE_LIMIT,
    env.SMS_WORKSPACE_WINDOW_SECONDS,
  ].join("|");
  if (cached?.key !== key) {
    cached = {
      key,
      limits: {
        perUser: {
          limit: positive(env.SMS_USER_LIMIT, 10),
          windowMs: positive(env.SMS_USER_WINDOW_SECONDS, 60) * 1000,
        },
        perWorkspace: {
          limit: positive(env.SMS_WORKSPACE_LIMIT, 100),
          windowMs: positive(env.SMS_WORKSPACE_WINDOW_SECONDS, 3600) * 1000,
        },
      },
    };
  }
  return cached.limits;
}

/** The buckets of the two limits (tests fill them to reach a threshold quickly). */
export const smsBuckets = (caller: Pick<Caller, "userId" | "workspaceId">) => ({
  perUser: `sms:user:${caller.userId}`,
  perWorkspace: `sms:workspace:${caller.workspaceId}`,
});

/** Counts one send against both limits; 429 with Retry-After and the limit's name when full. */
export async function enforceSmsLimits(ctx: RequestContext, caller: Caller) {
  const limits = smsLimitsOf(ctx.env);
  const buckets = smsBuckets(caller);
  await enforceRateLimit(ctx, buckets.perUser, limits.perUser, { name: "sms_per_user" });
  await enforceRateLimit(ctx, buckets.perWorkspace, limits.perWorkspace, {
    name: "sms_per_workspace",
  });
}
