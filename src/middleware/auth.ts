/**
 * Bearer authentication. The access token is verified (kind, algorithm, issuer, audience, expiry)
 * without a round trip; that its session is still live (not revoked, within its absolute and idle
 * limits) is checked in the request's first D1 batch (see RequestDb), so logout and timeouts take
 * effect at once. The same check reads `last_seen_at`: when it is older than the touch interval,
 * the session's idle deadline is moved after the answer (`waitUntil`), so a request writes D1 for
 * its session at most once per SESSION_TOUCH_SECONDS, never on the response path.
 */
import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { authSessions } from "../db/schema/auth";
import { ROLES, type Role } from "../db/schema/users";
import type { AppEnv } from "../env";
import { SessionExpiredError, UnauthorizedError } from "../lib/errors";
import { idleWindowMs, sessionLimits } from "../lib/session-limits";
import { verifyToken, type AccessClaims } from "../lib/tokens";
import type { Caller, RequestContext } from "./request-context";

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}

/** Verifies an access token and returns its caller, or null. Used by HTTP and sockets alike. */
export async function callerFromAccessToken(secret: string, token: string): Promise<Caller | null> {
  const claims = await verifyToken<AccessClaims>(secret, "access", token);
  if (!claims?.sub || !claims.wid || !claims.sid || !ROLES.includes(claims.role as Role))
    return null;
  return {
    userId: claims.sub,
    workspaceId: claims.wid,
    role: claims.role as Role,
    sessionId: claims.sid,
  };
}

/** The caller's session row if it is live: not revoked, within its absolute and idle limits. */
export function liveSessionQuery(ctx: RequestContext, caller: Caller) {
  const now = new Date().toISOString();
  return ctx.db.orm
    .select({ id: authSessions.id, lastSeenAt: authSessions.lastSeenAt })
    .from(authSessions)
    .where(
      and(
        eq(authSessions.id, caller.sessionId),
        eq(authSessions.userId, caller.userId),
        isNull(authSessions.revokedAt),
        gt(authSessions.expiresAt, now),
        gt(authSessions.idleExpiresAt, now),
      ),
    )
    .limit(1);
}

/**
 * Moves a live session's idle deadline to now + the idle window, unless another request did so
 * within the touch interval. Never revives a session that has ended meanwhile.
 */
export function touchSessionQuery(ctx: RequestContext, sessionId: string, nowMs = Date.now()) {
  const limits = sessionLimits(ctx.env);
  const role = ctx.caller?.role ?? "admin"; // no caller: the stricter (staff) window
  const now = new Date(nowMs).toISOString();
  return ctx.db.orm
    .update(authSessions)
    .set({
      lastSeenAt: now,
      idleExpiresAt: new Date(nowMs + idleWindowMs(limits, role)).toISOString(),
    })
    .where(
      and(
        eq(authSessions.id, sessionId),
        isNull(authSessions.revokedAt),
        gt(authSessions.expiresAt, now),
        gt(authSessions.idleExpiresAt, now),
        or(
          isNull(authSessions.lastSeenAt),
          lt(authSessions.lastSeenAt, new Date(nowMs - limits.touchMs).toISOString()),
        ),
      ),
    );
}

/**
 * Judges the session check's rows for an API request: a live session is touched (after the
 * answer) when its last touch is older than the interval; an ended one answers 401, with
 * SESSION_EXPIRED when it timed out rather than being revoked (one more read, on refusals only).
 */
function sessionVerdict(ctx: RequestContext, caller: Caller) {
  return async (rows: unknown) => {
    const row = Array.isArray(rows) ? (rows[0] as { lastSeenAt: string | null } | undefined) : null;
    if (row) {
      const now = Date.now();
      const seen = row.lastSeenAt ? Date.parse(row.lastSeenAt) : 0;
      if (now - seen >= sessionLimits(ctx.env).touchMs) {
        ctx.waitUntil(touchSessionQuery(ctx, caller.sessionId, now).then(() => undefined));
      }
      return;
    }
    const [ended] = await ctx.db.orm
      .select({ revokedAt: authSessions.revokedAt })
      .from(authSessions)
      .where(and(eq(authSessions.id, caller.sessionId), eq(authSessions.userId, caller.userId)))
      .limit(1);
    if (ended && !ended.revokedAt) throw new SessionExpiredError();
    throw new UnauthorizedError("Session has ended");
  };
}

/** Registers the caller's session check (and touch) with the request's first D1 round trip. */
export function requireLiveSession(ctx: RequestContext, caller: Caller) {
  ctx.db.requireSession(liveSessionQuery(ctx, caller), sessionVerdict(ctx, caller));
}

export const requireAuth = () =>
  createMiddleware<AppEnv>(async function requireAuth(c, next) {
    const ctx = c.var.ctx;
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw new UnauthorizedError();
    const caller = await callerFromAccessToken(c.env.JWT_SECRET, token);
    if (!caller) throw new UnauthorizedError("Invalid or expired access token");
    ctx.caller = caller;
    requireLiveSession(ctx, caller);
    await next();
  });

/** The authenticated caller; routes behind requireAuth only. */
export function callerOf(ctx: RequestContext): Caller {
  if (!ctx.caller) throw new UnauthorizedError();
  return ctx.caller;
}
