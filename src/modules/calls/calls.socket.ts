/**
 * Opening a call's signalling room (`/parties/call/{call_id}`).
 *
 * Invariants: the token and its session are checked before the upgrade (src/realtime/socket.ts); the
 * call is reached only as one of its participants (another workspace, a colleague not on the call
 * or an unknown id: the same audited 404); a finished call, or a line that declined or missed it,
 * cannot join (409). The room learns who connected and the call's participants only from the
 * handoff (src/realtime/handoff.ts), after any client copy is removed. Joining is audited (`call.read`).
 */
import { getServerByName } from "partyserver";
import { recordAudit } from "../../lib/audit";
import { ConflictError } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import type { CallSetup } from "../../realtime/call-room.schemas";
import { identityOf, openRoomSocket } from "../../realtime/socket";
import { accessCall, RESOURCE } from "./calls.access";
import { iceServers } from "./calls.ice";
import { isTerminal } from "./calls.state";

/**
 * Verifies the caller and their line on the call, then hands the upgrade to the call's room.
 * Throws 401, 403 (family), 404, 409 (call over, or the caller's line declined/missed) or 426.
 */
export function connectCallRoom(
  ctx: RequestContext,
  request: Request,
  callId: string,
  token: string | null,
): Promise<Response> {
  return openRoomSocket(ctx, request, token, {
    room: "call",
    subprotocol: "rehab",
    open: async (caller) => {
      const setup = await joinCall(ctx, callId, caller.userId);
      return {
        room: await getServerByName(ctx.env.CallRoom, callId),
        handoff: { caller: identityOf(caller), setup },
      };
    },
  });
}

/** The caller's line on the call, checked and audited; what the room is told about the call. */
async function joinCall(ctx: RequestContext, callId: string, userId: string): Promise<CallSetup> {
  const { call, lines } = await accessCall(ctx, callId, "call.read");
  const mine = lines.find((l) => l.userId === userId)!;
  if (isTerminal(call.status)) {
    throw new ConflictError(`The call is ${call.status}`, [
      { field: "status", message: `Call is ${call.status}` },
    ]);
  }
  if (mine.state === "declined" || mine.state === "missed" || mine.state === "left") {
    throw new ConflictError(`Your line is ${mine.state}`, [
      { field: "status", message: `Line is ${mine.state}` },
    ]);
  }
  await recordAudit(ctx, {
    action: "call.read",
    resourceType: RESOURCE,
    resourceId: callId,
    metadata: { patient_id: call.patientId, socket: true },
  });
  return {
    call_id: call.id,
    workspace_id: call.workspaceId,
    status: call.status,
    mode: call.mode,
    participants: lines.map((l) => l.userId),
    ice_servers: iceServers(ctx.env),
  };
}
