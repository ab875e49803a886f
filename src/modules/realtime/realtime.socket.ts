/**
 * Opening any of our sockets: the token is verified and its session checked live in D1 BEFORE the
 * upgrade, then the upgrade goes to the room the server chose, with the caller's identity in a
 * header the client cannot set and without the token.
 *
 * Invariants: the token comes from `?token=`, `Authorization: Bearer`, or the WebSocket
 * subprotocol `bearer.<token>` (offered beside `rehab.v1`, so it stays out of URLs and logs); it is
 * removed before the request reaches a Durable Object; the room answers with `rehab.v1` as the
 * selected subprotocol, never with the token.
 */
import { CALLER_HEADER } from "../../../party/user-stream";
import type { StreamCaller } from "../../../party/user-stream.schemas";
import { AppError, UnauthorizedError } from "../../lib/errors";
import { bearerToken, callerFromAccessToken, requireLiveSession } from "../../middleware/auth";
import type { Caller, RequestContext } from "../../middleware/request-context";

/** The subprotocol a client offers beside `bearer.<token>`; the server selects it. */
export const SOCKET_PROTOCOL = "rehab.v1";
const BEARER_PROTOCOL = "bearer.";

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
const STRIPPED_HEADERS = [
  CALLER_HEADER,
  "x-partykit-room",
  "x-partykit-namespace",
  "x-partykit-props",
  "authorization",
  "sec-websocket-protocol",
];

function offeredProtocols(request: Request): string[] {
  const header = request.headers.get("sec-websocket-protocol");
  return header ? header.split(",").map((p) => p.trim()) : [];
}

/** The access token of a socket request: query, then Authorization, then subprotocol. */
export function socketToken(request: Request, queryToken: string | undefined): string | null {
  if (queryToken) return queryToken;
  const header = bearerToken(request.headers.get("authorization") ?? undefined);
  if (header) return header;
  const offered = offeredProtocols(request).find((p) => p.startsWith(BEARER_PROTOCOL));
  return offered ? offered.slice(BEARER_PROTOCOL.length) || null : null;
}

/**
 * Verifies the token and its live session, and that the request is an upgrade. Sets
 * `ctx.caller`. Throws 401 (no, invalid, expired token, ended session) or 426.
 */
export async function authenticateSocket(
  ctx: RequestContext,
  request: Request,
  token: string | null,
): Promise<Caller> {
  if (!token) throw new UnauthorizedError();
  const caller = await callerFromAccessToken(ctx.env.JWT_SECRET, token);
  if (!caller) throw new UnauthorizedError("Invalid or expired access token");
  ctx.caller = caller;
  requireLiveSession(ctx, caller);
  await ctx.db.ensureSession();
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new UpgradeRequiredError();
  }
  return caller;
}

/** The request a room receives: identity set by us, token and client copies removed. */
export function forwardedRequest(request: Request, caller: Caller): Request {
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

/** Selects `rehab.v1` in the 101 when the client offered subprotocols (browsers require one). */
export function withSelectedProtocol(request: Request, response: Response): Response {
  if (response.status !== 101 || !response.webSocket) return response;
  if (!offeredProtocols(request).includes(SOCKET_PROTOCOL)) return response;
  const headers = new Headers(response.headers);
  headers.set("sec-websocket-protocol", SOCKET_PROTOCOL);
  return new Response(null, { status: 101, webSocket: response.webSocket, headers });
}
