/**
 * Opening sessions and minting their tokens. A session is one refresh-token family; every login
 * (password, magic link, invite) ends here, so all of them answer the same shape.
 */
import { authSessions, refreshTokens } from "../../db/schema/auth";
import type { RequestContext } from "../../middleware/request-context";
import { presentUser, type UserRow } from "../users/users.data";
import type { Role } from "../../db/schema/users";
import { uuidv7 } from "../../lib/ids";
import { signToken, TOKEN_KINDS } from "../../lib/tokens";
import {
  idleWindowMs,
  sessionLifetimeMs,
  sessionLimits,
  type SessionLimits,
} from "../../lib/session-limits";

export type SessionUser = { id: string; workspaceId: string; role: Role };
export type LoginMethod = "password" | "magic_link" | "invite";

export async function mintTokens(secret: string, user: SessionUser, sessionId: string) {
  const access = await signToken(secret, "access", {
    sub: user.id,
    wid: user.workspaceId,
    role: user.role,
    sid: sessionId,
  });
  const refresh = await signToken(secret, "refresh", {
    sub: user.id,
    wid: user.workspaceId,
    sid: sessionId,
  });
  return { access, refresh };
}

/**
 * Rows and tokens for a new session; the caller writes `rows` in its batch before answering.
 * Its absolute lifetime follows the kind of client (staff or a patient's/family member's device).
 */
export async function openSession(
  secret: string,
  user: SessionUser,
  method: LoginMethod,
  limits: SessionLimits = sessionLimits({}),
) {
  const sessionId = uuidv7();
  const now = new Date();
  const { access, refresh } = await mintTokens(secret, user, sessionId);
  return {
    sessionId,
    access,
    refresh,
    session: {
      id: sessionId,
      userId: user.id,
      workspaceId: user.workspaceId,
      method,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + sessionLifetimeMs(limits, user.role)).toISOString(),
      lastSeenAt: now.toISOString(),
      idleExpiresAt: new Date(now.getTime() + idleWindowMs(limits, user.role)).toISOString(),
    } satisfies typeof authSessions.$inferInsert,
    refreshRow: {
      jti: refresh.jti,
      sessionId,
      createdAt: now.toISOString(),
      expiresAt: refresh.expiresAt.toISOString(),
    } satisfies typeof refreshTokens.$inferInsert,
  };
}

export const tokenResponse = (tokens: {
  access: { token: string };
  refresh: { token: string };
}) => ({
  access_token: tokens.access.token,
  refresh_token: tokens.refresh.token,
  token_type: "Bearer" as const,
  expires_in: TOKEN_KINDS.access.ttlSeconds,
});

/** The login answer: tokens, the user, and the rows that open the session. */
export async function sessionAnswer(ctx: RequestContext, user: UserRow, method: LoginMethod) {
  const opened = await openSession(ctx.env.JWT_SECRET, user, method, sessionLimits(ctx.env));
  const profile = await presentUser(ctx.phi, user);
  return {
    rows: [
      ctx.db.orm.insert(authSessions).values(opened.session),
      ctx.db.orm.insert(refreshTokens).values(opened.refreshRow),
    ] as const,
    body: {
      ...tokenResponse(opened),
      user: {
        id: user.id,
        email: profile.email,
        name: profile.name,
        role: user.role,
        workspace_id: user.workspaceId,
      },
    },
  };
}
