/**
 * Registration, password login, refresh-token rotation and logout.
 * Invariants: a refresh token is used once; presenting a used one revokes its whole session
 * (the family, newest token included). Logout revokes the session, which every access token
 * checks on its first D1 round trip. Failures answer the same for unknown emails and wrong passwords.
 */
import { isUniqueViolation } from "../../lib/db";
import { and, eq, isNull } from "drizzle-orm";
import { authSessions, refreshTokens } from "../../db/schema/auth";
import { userPreferences, users } from "../../db/schema/users";
import { workspaces } from "../../db/schema/workspaces";
import { auditEntry, recordAudit } from "../../lib/audit";
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  needsRehash,
  verifyPassword,
} from "../../lib/crypto/password";
import { ConflictError, SessionExpiredError, UnauthorizedError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { verifyToken, type RefreshClaims } from "../../lib/tokens";
import { callerOf } from "../../middleware/auth";
import { enforceRateLimit, ipBucket, LIMITS } from "../../middleware/rate-limit";
import type { RequestContext } from "../../middleware/request-context";
import { emailIndex, newUserRow, presentUser, type UserRow } from "../users/users.data";
import { acceptInvite } from "./auth.invites";
import type { LoginInput, RegisterInput } from "./auth.schemas";
import { mintTokens, sessionAnswer, tokenResponse } from "./auth.sessions";
import { verifyMfaCode } from "./mfa.verify";
import { workspaceSetupRows } from "./workspace-setup";
import { endUserStreamSession } from "../realtime/realtime.service";

const INVALID_LOGIN = "Invalid email or password";

async function findUserByEmail(ctx: RequestContext, email: string) {
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(users)
      .where(eq(users.emailIndex, await emailIndex(ctx.phi, email)))
      .limit(1),
  ]);
  return rows[0] ?? null;
}

/** Creates a clinic and its admin, or joins one through an invite; answers like login. */
export async function register(ctx: RequestContext, input: RegisterInput) {
  await enforceRateLimit(ctx, ipBucket(ctx, "register"), LIMITS.register);
  if (input.invite_token) return acceptInvite(ctx, input.invite_token, input);
  if (await findUserByEmail(ctx, input.email)) {
    throw new ConflictError(
      "An account with this email already exists",
      [{ field: "email", message: "Already registered" }],
      "DUPLICATE_ENTRY",
    );
  }
  const now = new Date().toISOString();
  const workspaceId = uuidv7();
  const created = await newUserRow(ctx.phi, {
    workspaceId,
    role: "admin",
    email: input.email,
    name: input.name,
    phone: input.phone_number ?? null,
    title: input.title ?? null,
    passwordHash: await hashPassword(input.password, ctx.env.PASSWORD_PEPPER),
  });
  const user = { ...created.row, isActive: true, mfaEnabled: false } as UserRow;
  const answer = await sessionAnswer(ctx, user, "password");
  const actor = { workspaceId, actorId: user.id, actorRole: "admin" };
  try {
    await ctx.db.write([
      ctx.db.orm
        .insert(workspaces)
        .values({ id: workspaceId, name: input.workspace_name!, createdAt: now, updatedAt: now }),
      ctx.db.orm.insert(users).values(created.row),
      ctx.db.orm.insert(userPreferences).values(created.preferences),
      ...(await workspaceSetupRows(ctx, workspaceId)),
      ...answer.rows,
      (
        await auditEntry(ctx, {
          ...actor,
          action: "workspace.created",
          resourceType: "workspace",
          resourceId: workspaceId,
        })
      ).query,
      (
        await auditEntry(ctx, {
          ...actor,
          action: "user.created",
          resourceType: "user",
          resourceId: user.id,
          metadata: { role: "admin" },
        })
      ).query,
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(
        "An account with this email already exists",
        [{ field: "email", message: "Already registered" }],
        "DUPLICATE_ENTRY",
      );
    }
    throw error;
  }
  return answer.body;
}

/** Password login, with the second factor once MFA is on. */
export async function login(ctx: RequestContext, input: LoginInput) {
  await enforceRateLimit(ctx, ipBucket(ctx, "login"), LIMITS.login);
  const user = await findUserByEmail(ctx, input.email);
  const usable = user && user.isActive && !user.deletedAt && user.passwordHash;
  const passwordOk = await verifyPassword(
    input.password,
    usable ? user.passwordHash! : DUMMY_PASSWORD_HASH,
    ctx.env.PASSWORD_PEPPER,
  );
  const who = {
    workspaceId: user?.workspaceId ?? null,
    actorId: user?.id ?? null,
    actorRole: user?.role ?? null,
  };
  if (!usable || !passwordOk) {
    await recordAudit(ctx, {
      ...who,
      action: "auth.login_failed",
      resourceType: "user",
      resourceId: user?.id ?? null,
      outcome: "denied",
    });
    throw new UnauthorizedError(INVALID_LOGIN);
  }
  if (user.mfaEnabled) {
    if (!input.mfa_code) {
      throw new UnauthorizedError("A second factor is required", { mfa_required: true });
    }
    if (!(await verifyMfaCode(ctx, user, input.mfa_code))) {
      await recordAudit(ctx, {
        ...who,
        action: "auth.mfa_failed",
        resourceType: "user",
        resourceId: user.id,
        outcome: "denied",
      });
      throw new UnauthorizedError("Invalid second factor", { mfa_required: true });
    }
  }
  const answer = await sessionAnswer(ctx, user, "password");
  const now = new Date().toISOString();
  const rehash = needsRehash(user.passwordHash!)
    ? { passwordHash: await hashPassword(input.password, ctx.env.PASSWORD_PEPPER) }
    : {};
  await ctx.db.write([
    ...answer.rows,
    ctx.db.orm
      .update(users)
      .set({ lastLoginAt: now, ...rehash })
      .where(eq(users.id, user.id)),
    (
      await auditEntry(ctx, {
        ...who,
        action: "auth.login",
        resourceType: "user",
        resourceId: user.id,
        metadata: { method: "password", mfa: user.mfaEnabled },
      })
    ).query,
  ]);
  return answer.body;
}

/** Rotates a refresh token. A used token is a theft signal: the whole session is revoked. */
export async function refresh(ctx: RequestContext, token: string | undefined) {
  await enforceRateLimit(ctx, ipBucket(ctx, "refresh"), LIMITS.refresh);
  const claims = token
    ? await verifyToken<RefreshClaims>(ctx.env.JWT_SECRET, "refresh", token)
    : null;
  if (!claims?.jti || !claims.sid) throw new UnauthorizedError("Invalid or expired refresh token");
  const [sessionRows, userRows] = await ctx.db.read([
    ctx.db.orm.select().from(authSessions).where(eq(authSessions.id, claims.sid)).limit(1),
    ctx.db.orm.select().from(users).where(eq(users.id, claims.sub!)).limit(1),
  ]);
  const session = sessionRows[0];
  const user = userRows[0];
  const who = {
    workspaceId: user?.workspaceId ?? null,
    actorId: user?.id ?? null,
    actorRole: user?.role ?? null,
  };
  if (!session || !user || session.revokedAt || !user.isActive || user.deletedAt) {
    throw new UnauthorizedError("Session has ended");
  }
  // A timed-out session (absolute or idle) is not renewed: a refresh is what an unattended app
  // does on its own, so it neither counts as activity nor revives the session.
  const now = new Date().toISOString();
  if (session.expiresAt <= now || !session.idleExpiresAt || session.idleExpiresAt <= now) {
    throw new SessionExpiredError();
  }
  // Claim the token: only one request can flip used_at from null.
  const claimed = await ctx.db.orm
    .update(refreshTokens)
    .set({ usedAt: new Date().toISOString() })
    .where(
      and(
        eq(refreshTokens.jti, claims.jti),
        eq(refreshTokens.sessionId, session.id),
        isNull(refreshTokens.usedAt),
      ),
    )
    .returning({ jti: refreshTokens.jti });
  if (claimed.length === 0) {
    await ctx.db.write([
      ctx.db.orm
        .update(authSessions)
        .set({ revokedAt: new Date().toISOString(), revokedReason: "refresh_reuse" })
        .where(eq(authSessions.id, session.id)),
      (
        await auditEntry(ctx, {
          ...who,
          action: "auth.refresh_reused",
          resourceType: "session",
          resourceId: session.id,
          outcome: "denied",
        })
      ).query,
    ]);
    ctx.waitUntil(endUserStreamSession(ctx.env, user.id, session.id).catch(() => 0));
    throw new UnauthorizedError("Refresh token already used; the session has been revoked");
  }
  const tokens = await mintTokens(ctx.env.JWT_SECRET, user, session.id);
  const profile = await presentUser(ctx.phi, user);
  await ctx.db.write([
    ctx.db.orm.insert(refreshTokens).values({
      jti: tokens.refresh.jti,
      sessionId: session.id,
      createdAt: new Date().toISOString(),
      expiresAt: tokens.refresh.expiresAt.toISOString(),
    }),
    (
      await auditEntry(ctx, {
        ...who,
        action: "auth.refreshed",
        resourceType: "session",
        resourceId: session.id,
      })
    ).query,
  ]);
  return {
    ...tokenResponse(tokens),
    user: {
      id: user.id,
      email: profile.email,
      name: profile.name,
      role: user.role,
      workspace_id: user.workspaceId,
    },
  };
}

/** Ends the caller's session at once: its access and refresh tokens stop working. */
export async function logout(ctx: RequestContext) {
  const caller = callerOf(ctx);
  await ctx.db.ensureSession();
  await ctx.db.write([
    ctx.db.orm
      .update(authSessions)
      .set({ revokedAt: new Date().toISOString(), revokedReason: "logout" })
      .where(and(eq(authSessions.id, caller.sessionId), eq(authSessions.userId, caller.userId))),
    (
      await auditEntry(ctx, {
        action: "auth.logout",
        resourceType: "session",
        resourceId: caller.sessionId,
      })
    ).query,
  ]);
  // Open sockets of this session close too (the stream also re-checks every minute).
  ctx.waitUntil(endUserStreamSession(ctx.env, caller.userId, caller.sessionId).catch(() => 0));
}

/** The caller's own profile (seed 003 `GET /auth/profile`). */
export async function getProfile(ctx: RequestContext) {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(users)
      .where(and(eq(users.id, caller.userId), eq(users.workspaceId, caller.workspaceId)))
      .limit(1),
    (
      await auditEntry(ctx, {
        action: "user.read",
        resourceType: "user",
        resourceId: caller.userId,
      })
    ).query,
  ]);
  if (!rows[0]) throw new UnauthorizedError("Account no longer exists");
  return presentUser(ctx.phi, rows[0]);
}
