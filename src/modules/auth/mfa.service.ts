/**
 * Turning TOTP MFA on and off for the signed-in user (seed 002 §2.1, §6.4).
 * Invariants:
 * - A new secret is held as pending (encrypted, `mfa_pending_secret`) until a code from it is
 *   verified; only then does it become the active secret (re-encrypted under `mfa_secret`).
 * - Backup codes are shown once and stored only as hashes; enabling replaces them all, disabling
 *   deletes them with the secret.
 * - Every code is accepted once (TOTP steps and backup codes are claimed) and attempts are rate
 *   limited per user (in verifyMfaCode, and here for password re-entry).
 */
import { and, eq } from "drizzle-orm";
import { Secret } from "otpauth";
import { renderSVG } from "uqr";
import { mfaBackupCodes } from "../../db/schema/auth";
import { users } from "../../db/schema/users";
import { auditEntry, recordAudit } from "../../lib/audit";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../../lib/crypto/password";
import { randomBytes } from "../../lib/encoding";
import { ConflictError, UnauthorizedError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import { enforceRateLimit, LIMITS } from "../../middleware/rate-limit";
import type { RequestContext } from "../../middleware/request-context";
import { userFieldRef, type UserRow } from "../users/users.data";
import { hashBackupCode, totpFor, verifyMfaCode } from "./mfa.verify";

export const BACKUP_CODE_COUNT = 10;
// 32 symbols without look-alikes (no 0/O, 1/I): a byte maps onto it without bias.
const BACKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** Fresh single-use backup codes, `XXXX-XXXX` (40 bits each). */
export function newBackupCodes(count = BACKUP_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = [...randomBytes(8)].map((b) => BACKUP_ALPHABET[b % 32]).join("");
    return `${chars.slice(0, 4)}-${chars.slice(4)}`;
  });
}

async function loadCaller(ctx: RequestContext): Promise<UserRow> {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(users)
      .where(and(eq(users.id, caller.userId), eq(users.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  if (!rows[0] || !rows[0].isActive || rows[0].deletedAt) {
    throw new UnauthorizedError("Account no longer exists");
  }
  return rows[0];
}

const failed = (ctx: RequestContext, user: UserRow, stage: string, method: string) =>
  recordAudit(ctx, {
    action: "auth.mfa_failed",
    resourceType: "user",
    resourceId: user.id,
    outcome: "denied",
    metadata: { stage, method },
  });

/** Starts MFA setup: a new pending secret, its otpauth URL and a QR code of it. */
export async function enableMfa(ctx: RequestContext) {
  const user = await loadCaller(ctx);
  if (user.mfaEnabled) throw new ConflictError("MFA is already on; disable it first");
  const secret = new Secret({ size: 20 });
  const label = await ctx.phi.decrypt(user.emailEnc, userFieldRef(user.id, "email"));
  const otpauthUrl = totpFor(secret.base32, label).toString();
  const pending = await ctx.phi.encrypt(secret.base32, userFieldRef(user.id, "mfa_pending_secret"));
  await ctx.db.write([
    ctx.db.orm
      .update(users)
      .set({ mfaPendingSecretEnc: pending, updatedAt: new Date().toISOString() })
      .where(eq(users.id, user.id)),
    (
      await auditEntry(ctx, {
        action: "user.updated",
        resourceType: "user",
        resourceId: user.id,
        metadata: { fields: ["mfa_pending_secret"] },
      })
    ).query,
  ]);
  return {
    secret: secret.base32,
    otpauth_url: otpauthUrl,
    qr_code: `data:image/svg+xml;base64,${btoa(renderSVG(otpauthUrl))}`,
  };
}

/**
 * Confirms setup with a code from the pending secret: MFA turns on and 10 new backup codes
 * (shown only now) replace any old ones.
 */
export async function verifyMfaSetup(ctx: RequestContext, input: { code: string }) {
  const user = await loadCaller(ctx);
  if (user.mfaEnabled) throw new ConflictError("MFA is already on");
  if (!user.mfaPendingSecretEnc) {
    throw new ConflictError("No MFA setup in progress; call POST /api/v1/auth/mfa/enable first");
  }
  const valid = await verifyMfaCode(ctx, user, input.code, {
    secretEnc: user.mfaPendingSecretEnc,
    secretColumn: "mfa_pending_secret",
    allowBackup: false,
  });
  if (!valid) {
    await failed(ctx, user, "setup", "totp");
    throw new ValidationError([{ field: "code", message: "Invalid or already used code" }]);
  }
  const secret = await ctx.phi.decrypt(
    user.mfaPendingSecretEnc,
    userFieldRef(user.id, "mfa_pending_secret"),
  );
  const codes = newBackupCodes();
  const now = new Date().toISOString();
  const rows = await Promise.all(
    codes.map(async (code) => ({
      id: uuidv7(),
      userId: user.id,
      codeHash: await hashBackupCode(user.id, code),
      createdAt: now,
    })),
  );
  await ctx.db.write([
    ctx.db.orm
      .update(users)
      .set({
        mfaEnabled: true,
        mfaSecretEnc: await ctx.phi.encrypt(secret, userFieldRef(user.id, "mfa_secret")),
        mfaPendingSecretEnc: null,
        updatedAt: now,
      })
      .where(eq(users.id, user.id)),
    ctx.db.orm.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, user.id)),
    ctx.db.orm.insert(mfaBackupCodes).values(rows),
    (
      await auditEntry(ctx, {
        action: "auth.mfa_enabled",
        resourceType: "user",
        resourceId: user.id,
        metadata: { backup_codes: codes.length },
      })
    ).query,
  ]);
  return { enabled: true as const, backup_codes: codes };
}

/**
 * Turns MFA off after a current TOTP code, a backup code or the password; deletes the secret and
 * the backup codes.
 */
export async function disableMfa(
  ctx: RequestContext,
  input: { code?: string | undefined; password?: string | undefined },
) {
  const user = await loadCaller(ctx);
  if (!user.mfaEnabled) throw new ConflictError("MFA is not on");
  let method: "totp" | "backup_code" | "password";
  let valid: boolean;
  if (input.code) {
    method = /^[0-9]{6}$/.test(input.code) ? "totp" : "backup_code";
    valid = await verifyMfaCode(ctx, user, input.code);
  } else {
    method = "password";
    await enforceRateLimit(ctx, `mfa:user:${user.id}`, LIMITS.mfa);
    const hash = user.passwordHash ?? DUMMY_PASSWORD_HASH;
    const matches = await verifyPassword(input.password ?? "", hash, ctx.env.PASSWORD_PEPPER);
    valid = matches && !!user.passwordHash;
  }
  if (!valid) {
    await failed(ctx, user, "disable", method);
    const field = method === "password" ? "password" : "code";
    throw new ValidationError([{ field, message: `Invalid or already used ${field}` }]);
  }
  await ctx.db.write([
    ctx.db.orm
      .update(users)
      .set({
        mfaEnabled: false,
        mfaSecretEnc: null,
        mfaPendingSecretEnc: null,
        mfaLastStep: null,
        updatedAt: new Date().toISOString(),
      })
      .where(eq(users.id, user.id)),
    ctx.db.orm.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, user.id)),
    (
      await auditEntry(ctx, {
        action: "auth.mfa_disabled",
        resourceType: "user",
        resourceId: user.id,
        metadata: { method },
      })
    ).query,
  ]);
  return { enabled: false as const };
}
