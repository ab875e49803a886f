/**
 * `GET /parties/pose/{model}`: the live pose socket (seed 003). The token (query `token`,
 * `Authorization: Bearer`, or a `bearer.<token>` entry in `Sec-WebSocket-Protocol`), the
 * session and the `pose.estimate` permission are checked before the upgrade; the room is the
 * caller's own (`<model>:<user id>`) and learns who connected only from `POSE_CALLER_HEADER`.
 */
import { getServerByName } from "partyserver";
import { POSE_CALLER_HEADER } from "../../../party/pose";
import type { PoseCaller } from "../../../party/pose.schemas";
import { recordAudit } from "../../lib/audit";
import { UnauthorizedError } from "../../lib/errors";
import { callerFromAccessToken, requireLiveSession } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { UpgradeRequiredError } from "../realtime/realtime.socket";
import { requirePoseAccess } from "./pose.service";

const STRIPPED_HEADERS = [
  POSE_CALLER_HEADER,
  "x-partykit-room",
  "x-partykit-props",
  "authorization",
  "sec-websocket-protocol",
];

/** Splits `Sec-WebSocket-Protocol` into the token (`bearer.<token>`) and the other offers. */
export function protocolOffer(header: string | null) {
  const offers = (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const bearer = offers.find((p) => p.startsWith("bearer."));
  return { token: bearer ? bearer.slice("bearer.".length) : null, offers, bearer };
}

/**
 * Opens a live pose socket for the caller on `model`. Throws 401 (token, session), 403 (role,
 * audited) or 426 (not a WebSocket upgrade). Audits `pose.streamed` once per socket opened.
 */
export async function connectPoseStream(
  ctx: RequestContext,
  request: Request,
  model: string,
  queryToken: string | null,
): Promise<Response> {
  const offer = protocolOffer(request.headers.get("sec-websocket-protocol"));
  const token = queryToken ?? offer.token;
  if (!token) throw new UnauthorizedError();
  const caller = await callerFromAccessToken(ctx.env.JWT_SECRET, token);
  if (!caller) throw new UnauthorizedError("Invalid or expired access token");
  ctx.caller = caller;
  requireLiveSession(ctx, caller);
  await ctx.db.ensureSession();
  await requirePoseAccess(ctx);
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new UpgradeRequiredError();
  }
  await recordAudit(ctx, {
    action: "pose.streamed",
    resourceType: "pose",
    metadata: { model, source: "socket" },
  });
  const url = new URL(request.url);
  url.searchParams.delete("token"); // The token must not travel on with the socket's URL.
  const headers = new Headers(request.headers);
  for (const name of STRIPPED_HEADERS) headers.delete(name);
  const state: PoseCaller = {
    userId: caller.userId,
    workspaceId: caller.workspaceId,
    role: caller.role,
    sessionId: caller.sessionId,
  };
  headers.set(POSE_CALLER_HEADER, JSON.stringify(state));
  const room = await getServerByName(ctx.env.PoseStream, `${model}:${caller.userId}`);
  const response = await room.fetch(new Request(url.toString(), { method: "GET", headers }));
  // A client that offered subprotocols gets one back: the first that is not a token. The token
  // is never echoed (it would sit in the response headers of every proxy log); a client that
  // offered only `bearer.<token>` gets no subprotocol, which browsers accept.
  const chosen = offer.offers.find((p) => !p.startsWith("bearer."));
  if (response.status !== 101 || !chosen) return response;
  return new Response(null, {
    status: 101,
    webSocket: response.webSocket,
    headers: { "Sec-WebSocket-Protocol": chosen },
  });
}
