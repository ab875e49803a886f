/**
 * The user event stream (`/ws`): opening it, and pushing events into it from any feature.
 *
 * Invariants: the token and the session are checked before the upgrade; the room is always the
 * caller's own (their user id); the Durable Object learns who connected only from `CALLER_HEADER`,
 * set here after any client-supplied copy (and partyserver's own routing headers) is removed.
 */
import { getServerByName } from "partyserver";
import { CALLER_HEADER } from "../../../party/user-stream";
import { PublishedEvent, type StreamCaller } from "../../../party/user-stream.schemas";
import type { Bindings } from "../../env";
import { AppError, UnauthorizedError } from "../../lib/errors";
import { callerFromAccessToken, liveSessionQuery } from "../../middleware/auth";
import type { Caller, RequestContext } from "../../middleware/request-context";

/** 426: the route speaks only WebSocket. The code stays in the closed set (a malformed request). */
export class UpgradeRequiredError extends AppError {
  override readonly status = 426;
  constructor() {
    super("INVALID_REQUEST", "This endpoint accepts only WebSocket upgrades", undefined, {
      Upgrade: "websocket",
    });
  }
}

/** Headers a client must never choose: the identity, and partyserver's routing and props. */
const STRIPPED_HEADERS = [CALLER_HEADER, "x-partykit-room", "x-partykit-props", "authorization"];

function forwardedRequest(request: Request, caller: Caller): Request {
  const url = new URL(request.url);
  // The token must not travel on: partyserver keeps the connection URL with the socket.
  url.searchParams.delete("token");
  const headers = new Headers(request.headers);
  for (const name of STRIPPED_HEADERS) headers.delete(name);
  const state: StreamCaller = {
    userId: caller.userId,
    workspaceId: caller.workspaceId,
    role: caller.role,
    sessionId: caller.sessionId,
  };
  headers.set(CALLER_HEADER, JSON.stringify(state));
  return new Request(url.toString(), { method: "GET", headers });
}

/**
 * Opens the caller's event stream: verifies the access token and that its session is live in D1,
 * requires a WebSocket upgrade, then hands the upgrade to the caller's own UserStream room.
 * Throws 401 (no, invalid, expired token, ended session) or 426 (not a WebSocket request).
 */
export async function connectUserStream(
  ctx: RequestContext,
  request: Request,
  token: string | null,
): Promise<Response> {
  if (!token) throw new UnauthorizedError();
  const caller = await callerFromAccessToken(ctx.env.JWT_SECRET, token);
  if (!caller) throw new UnauthorizedError("Invalid or expired access token");
  ctx.caller = caller;
  ctx.db.requireSession(liveSessionQuery(ctx, caller));
  await ctx.db.ensureSession();
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new UpgradeRequiredError();
  }
  const room = await getServerByName(ctx.env.UserStream, caller.userId);
  return room.fetch(forwardedRequest(request, caller));
}

/**
 * Pushes an event (`notification:new`, `message:received`…) to every open socket of a user.
 * Returns how many sockets received it (0 when the user is offline: the event is not stored, so
 * callers keep their own record, e.g. the notification row, for clients to fetch later).
 */
export async function publishToUser(
  env: Pick<Bindings, "UserStream">,
  userId: string,
  event: PublishedEvent,
): Promise<number> {
  const checked = PublishedEvent.parse(event);
  const room = await getServerByName(env.UserStream, userId);
  return room.publish(checked);
}

/**
 * Closes the sockets a session opened; call it when the session ends (logout, refresh-token
 * reuse, user deleted) so an open stream stops with the session. Returns how many were closed.
 */
export async function endUserStreamSession(
  env: Pick<Bindings, "UserStream">,
  userId: string,
  sessionId: string,
): Promise<number> {
  const room = await getServerByName(env.UserStream, userId);
  return room.endSession(sessionId);
}
