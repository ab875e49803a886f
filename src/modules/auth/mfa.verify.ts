/**
 * Checking a second factor at login or for sensitive changes: a TOTP code (RFC 6238, SHA-1,
 * 6 digits, 30 s, ±1 step) accepted once per time step, or a single-use backup code.
 * Attempts are rate limited per user.
 */
import { and, eq, isNull } from "drizzle-orm";
import { TOTP } from "otpauth";
import { mfaBackupCodes, mfaUsedSteps } from "../../db/schema/auth";
import { sha256Hex } from "../../lib/encoding";
import { enforceRateLimit, LIMITS } from "../../middleware/rate-limit";
import type { RequestContext } from "../../middleware/request-context";
import { userFieldRef, type UserRow } from "../users/users.data";

export const TOTP_PERIOD = 30;

export const totpFor = (secret: string, label = "rehab-edge") =>
  new TOTP({
    issuer: "rehab-edge",
    label,
    algorithm: "SHA1",
    digits: 6,
    period: TOTP_PERIOD,
    secret,
  });

/** The time step a code matches (within ±1 step of now), or null. */
export function matchingStep(secret: string, code: string, now = Date.now()): number | null {
  const delta = totpFor(secret).validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / TOTP_PERIOD) + delta;
}

export const normaliseBackupCode = (code: string) => code.replace(/-/g, "").toUpperCase();
export const hashBackupCode = (userId: string, code: string) =>
  sha256Hex(`${userId}:${normaliseBackupCode(code)}`);

/** Claims a TOTP step for the user; false if that step was already used (a replay). */
export async function claimStep(ctx: RequestContext, userId: string, step: number) {
  const result = await ctx.db.orm
    .insert(mfaUsedSteps)
    .values({ userId, step, createdAt: new Date().toISOString() })
    .onConflictDoNothing()
    .run();
  return result.meta.changes === 1;
}

/**
 * Verifies `code` against the user's active secret (or `secretEnc`, e.g. a pending one), or a
 * backup code when `allowBackup`. Throws 429 when attempts run out.
 */
export async function verifyMfaCode(
  ctx: RequestContext,
  user: Pick<UserRow, "id" | "mfaSecretEnc">,
  code: string,
  options: { secretEnc?: string | null; secretColumn?: string; allowBackup?: boolean } = {},
): Promise<boolean> {
  await enforceRateLimit(ctx, `mfa:user:${user.id}`, LIMITS.mfa);
  const secretEnc = options.secretEnc ?? user.mfaSecretEnc;
  if (/^[0-9]{6}$/.test(code) && secretEnc) {
    const secret = await ctx.phi.decrypt(
      secretEnc,
      userFieldRef(user.id, options.secretColumn ?? "mfa_secret"),
    );
    const step = matchingStep(secret, code);
    return step !== null && (await claimStep(ctx, user.id, step));
  }
  if (options.allowBackup !== false && !/^[0-9]{6}$/.test(code)) {
    const result = await ctx.db.orm
      .update(mfaBackupCodes)
      .set({ usedAt: new Date().toISOString() })
      .where(
        and(
          eq(mfaBackupCodes.userId, user.id),
          eq(mfaBackupCodes.codeHash, await hashBackupCode(user.id, code)),
          isNull(mfaBackupCodes.usedAt),
        ),
      )
      .run();
    return result.meta.changes === 1;
  }
  return false;
}
