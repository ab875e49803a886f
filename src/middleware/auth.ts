/**
 * Bearer authentication. The access token is verified (kind, algorithm, issuer, audience, expiry)
 * without a round trip; that its session is still live is checked in the request's first D1
 * batch (see RequestDb), so logout takes effect at once.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { authSessions } from "../db/schema/auth";
import { ROLES, type Role } from "../db/schema/users";
import type { AppEnv } from "../env";
import { UnauthorizedError } from "../lib/errors";
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

export function liveSessionQuery(ctx: RequestContext, caller: Caller) {
  return ctx.db.orm
    .select({ id: authSessions.id })
    .from(authSessions)
    .where(
      and(
        eq(authSessions.id, caller.sessionId),
        eq(authSessions.userId, caller.userId),
        isNull(authSessions.revokedAt),
        gt(authSessions.expiresAt, new Date().toISOString()),
      ),
    )
    .limit(1);
}

export const requireAuth = () =>
  createMiddleware<AppEnv>(async function requireAuth(c, next) {
    const ctx = c.var.ctx;
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw new UnauthorizedError();
    const caller = await callerFromAccessToken(c.env.JWT_SECRET, token);
    if (!caller) throw new UnauthorizedError("Invalid or expired access token");
    ctx.caller = caller;
    ctx.db.requireSession(liveSessionQuery(ctx, caller));
    await next();
  });

/** The authenticated caller; routes behind requireAuth only. */
export function callerOf(ctx: RequestContext): Caller {
  if (!ctx.caller) throw new UnauthorizedError();
  return ctx.caller;
}
