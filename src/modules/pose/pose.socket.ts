/**
 * `GET /parties/pose/{model}`: the live pose socket (seed 003). The token (query `token`,
 * `Authorization: Bearer`, or a `bearer.<token>` subprotocol offer), the
 * session and the `pose.estimate` permission are checked before the upgrade (src/realtime/
 * socket.ts); the room is the caller's own (`<model>:<user id>`) and learns who connected only
 * from the handoff. The 101 selects the client's first subprotocol that is not the token.
 */
import { getServerByName } from "partyserver";
import { recordAudit } from "../../lib/audit";
import type { RequestContext } from "../../middleware/request-context";
import { identityOf, openRoomSocket } from "../../realtime/socket";
import { requirePoseAccess } from "./pose.service";

/**
 * Opens a live pose socket for the caller on `model`. Throws 401 (token, session), 403 (role,
 * audited) or 426 (not a WebSocket upgrade). Audits `pose.streamed` once per socket opened.
 */
export function connectPoseStream(
  ctx: RequestContext,
  request: Request,
  model: string,
  token: string | null,
): Promise<Response> {
  return openRoomSocket(ctx, request, token, {
    room: "pose",
    subprotocol: "first-offer",
    authorize: async () => {
      await requirePoseAccess(ctx);
    },
    open: async (caller) => {
      await recordAudit(ctx, {
        action: "pose.streamed",
        resourceType: "pose",
        metadata: { model, source: "socket" },
      });
      return {
        room: await getServerByName(ctx.env.PoseStream, `${model}:${caller.userId}`),
        handoff: { caller: identityOf(caller), setup: undefined },
      };
    },
  });
}
