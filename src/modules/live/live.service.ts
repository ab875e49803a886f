/**
 * Opening the live exercise room of a session (`/parties/live-session/{session_id}`).
 *
 * Invariants: the token and its session are checked before the upgrade (src/realtime/socket.ts); the
 * exercise session is found in the caller's workspace (another workspace's is a 404) and the
 * patient policy decides who may join: the patient streams from their device, the care team and
 * admins watch; family never (they see summaries only). The room learns who connected and what
 * it analyses only from the handoff (src/realtime/handoff.ts), after any client copy is removed. Every join, and every
 * refusal, is audited.
 */
import { getServerByName } from "partyserver";
import { recordAudit } from "../../lib/audit";
import { ConflictError } from "../../lib/errors";
import type { Caller, RequestContext } from "../../middleware/request-context";
import type { LiveSetup } from "../../realtime/handoff";
import type { LiveCaller } from "../../realtime/identity";
import { identityOf, openRoomSocket } from "../../realtime/socket";
import { AnalysisConfig } from "../exercise-types/exercise-types.analysis";
import { accessSession, RESOURCE } from "../sessions/sessions.access";
import { acceptsFrames } from "../sessions/sessions.status";

const JOINED = "exercise_session.read" as const;

/**
 * Verifies the caller, their relation to the session and, for the patient's device, that the
 * session still takes frames; then hands the upgrade to the session's room. Throws 401, 403, 404,
 * 409 (the session takes no more frames, or its exercise has no movement analysis) or 426.
 */
export function connectLiveSession(
  ctx: RequestContext,
  request: Request,
  sessionId: string,
  token: string | null,
): Promise<Response> {
  return openRoomSocket(ctx, request, token, {
    room: "live",
    subprotocol: "rehab",
    open: async (caller) => {
      const handoff = await joinLive(ctx, sessionId, caller);
      return { room: await getServerByName(ctx.env.LiveSession, sessionId), handoff };
    },
  });
}

/** The caller's relation to the session, checked and audited; what the room is told. */
async function joinLive(
  ctx: RequestContext,
  sessionId: string,
  caller: Caller,
): Promise<{ caller: LiveCaller; setup: LiveSetup }> {
  const mode = caller.role === "patient" ? "device" : "watcher";
  const { session, type } = await accessSession(
    ctx,
    sessionId,
    mode === "device" ? "write" : "read",
    JOINED,
  );
  if (mode === "device" && !acceptsFrames(session.status)) {
    throw new ConflictError(`A ${session.status} session takes no more frames`, [
      { field: "status", message: `Session is ${session.status}` },
    ]);
  }
  const config = AnalysisConfig.safeParse(type.analysis);
  if (!config.success) {
    throw new ConflictError("This exercise has no movement analysis configured");
  }
  await recordAudit(ctx, {
    action: JOINED,
    resourceType: RESOURCE,
    resourceId: sessionId,
    metadata: { patient_id: session.patientId, live: mode },
  });

  const live: LiveCaller = {
    ...identityOf(caller),
    mode,
    exerciseSessionId: sessionId,
    patientId: session.patientId,
  };
  const setup: LiveSetup = {
    slug: type.slug,
    config: config.data,
    frame_size:
      session.frameWidth && session.frameHeight
        ? { width: session.frameWidth, height: session.frameHeight }
        : null,
  };
  return { caller: live, setup };
}
