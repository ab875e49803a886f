/**
 * The one way a client's socket reaches a room (user stream `/ws`, chat, call, live, pose): the
 * token is verified and its session checked live in D1 BEFORE the upgrade, then the room's own
 * checks run (relation, audit), then the upgrade goes to the room the server chose with the
 * handoff (handoff.ts) and without the token. Each module says only what is particular to its
 * room, as a `SocketEntry`.
 *
 * Invariants: the token comes from `?token=`, `Authorization: Bearer`, or the WebSocket
 * subprotocol `bearer.<token>` (offered beside `rehab.v1`, so it stays out of URLs and logs); it is
 * removed before the request reaches a Durable Object; the 101 never echoes a `bearer.<token>`
 * subprotocol (it would sit in the response headers of every proxy log).
 */
import { AppError, UnauthorizedError } from "../lib/errors";
import { bearerToken, callerFromAccessToken, requireLiveSession } from "../middleware/auth";
import type { Caller, RequestContext } from "../middleware/request-context";
import { handoffRequest, type Handoff, type HandoffRoom } from "./handoff";

/** The subprotocol a client offers beside `bearer.<token>`; the server selects it. */
export const SOCKET_PROTOCOL = "rehab.v1";

/**
 * How `socketToken` reads a socket's token, as an OpenAPI security scheme (`auth: "socket"`
 * routes): a browser cannot set Authorization on a WebSocket, so the token rides in the
 * subprotocol list. Described here, beside the code that reads it, so the header is named in one
 * place (test/architecture/import-graph.test.ts).
 */
export const SOCKET_TOKEN_SCHEME = {
  type: "apiKey",
  in: "header",
  name: "Sec-WebSocket-Protocol",
  description: `The access token as the subprotocol \`bearer.<token>\` beside \`${SOCKET_PROTOCOL}\`; \`?token=<token>\` and \`Authorization: Bearer <token>\` are accepted too. Verified, with its session, before the upgrade (401 otherwise).`,
} as const;
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

/** What a module tells the entry about its room. */
export type SocketEntry<R extends HandoffRoom> = {
  /** Which room's handoff is written (handoff.ts). */
  room: R;
  /**
   * Checked after the token and session, BEFORE the upgrade requirement (so a refusal is answered
   * and audited even to a plain GET): the pose room's role permission.
   */
  authorize?: (caller: Caller) => Promise<void>;
  /**
   * After the upgrade requirement: the caller's relation to the room (throwing 403/404/409 as the
   * module's HTTP routes do), the join's audit entry, and the room stub with its handoff.
   */
  open: (caller: Caller) => Promise<{ room: RoomFetcher; handoff: Handoff<R> }>;
  /**
   * The subprotocol the 101 selects: `rehab` selects `rehab.v1` when offered (and none
   * otherwise); `first-offer` the client's first offer that is not a token (the pose socket,
   * whose clients offer `pose`). A client that offered only `bearer.<token>` gets none.
   */
  subprotocol: "rehab" | "first-offer";
};

/** A room's stub as the entry uses it. */
type RoomFetcher = { fetch(request: Request): Promise<Response> };

function offeredProtocols(request: Request): string[] {
  const header = request.headers.get("sec-websocket-protocol");
  return header
    ? header
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)
    : [];
}

/** The access token of a socket request: query, then Authorization, then subprotocol. */
export function socketToken(
  request: Request,
  queryToken: string | null | undefined,
): string | null {
  if (queryToken) return queryToken;
  const header = bearerToken(request.headers.get("authorization") ?? undefined);
  if (header) return header;
  const offered = offeredProtocols(request).find((p) => p.startsWith(BEARER_PROTOCOL));
  return offered ? offered.slice(BEARER_PROTOCOL.length) || null : null;
}

/**
 * Opens a socket on a room: 401 (no, invalid or expired token; ended session), then the entry's
 * `authorize`, then 426 (not a WebSocket upgrade), then the entry's `open`, then the upgrade
 * handed to the room. Sets `ctx.caller`.
 */
export async function openRoomSocket<R extends HandoffRoom>(
  ctx: RequestContext,
  request: Request,
  token: string | null,
  entry: SocketEntry<R>,
): Promise<Response> {
  if (!token) throw new UnauthorizedError();
  const caller = await callerFromAccessToken(ctx.env.JWT_SECRET, token);
  if (!caller) throw new UnauthorizedError("Invalid or expired access token");
  ctx.caller = caller;
  requireLiveSession(ctx, caller);
  await ctx.db.ensureSession();
  await entry.authorize?.(caller);
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new UpgradeRequiredError();
  }
  const { room, handoff } = await entry.open(caller);
  const response = await room.fetch(handoffRequest(request, entry.room, handoff));
  return withSelectedProtocol(request, response, entry.subprotocol);
}

/** Answers the subprotocol the entry selects (browsers require one when they offered any). */
function withSelectedProtocol(
  request: Request,
  response: Response,
  rule: SocketEntry<HandoffRoom>["subprotocol"],
): Response {
  if (response.status !== 101 || !response.webSocket) return response;
  const offers = offeredProtocols(request).filter((p) => !p.startsWith(BEARER_PROTOCOL));
  const chosen = rule === "rehab" ? offers.find((p) => p === SOCKET_PROTOCOL) : offers[0];
  if (!chosen) return response;
  const headers = new Headers(response.headers);
  headers.set("sec-websocket-protocol", chosen);
  return new Response(null, { status: 101, webSocket: response.webSocket, headers });
}

/** The identity every room's handoff starts from. */
export const identityOf = (caller: Caller) => ({
  userId: caller.userId,
  workspaceId: caller.workspaceId,
  role: caller.role,
  sessionId: caller.sessionId,
});
