/**
 * Opening the live exercise room of a session (`/parties/live-session/{session_id}`).
 *
 * Invariants: the token and its session are checked before the upgrade (realtime.socket.ts); the
 * exercise session is found in the caller's workspace (another workspace's is a 404) and the
 * patient policy decides who may join: the patient streams from their device, the care team and
 * admins watch; family never (they see summaries only). The room learns who connected and what
 * it analyses only from headers set here, after any client copy is removed. Every join, and every
 * refusal, is audited.
 */
import { getServerByName } from "partyserver";
import { LIVE_CALLER_HEADER, LIVE_SETUP_HEADER, type LiveSetup } from "../../../party/live-session";
import type { LiveCaller } from "../../../party/live-session.schemas";
import { recordAudit } from "../../lib/audit";
import { ConflictError } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import { AnalysisConfig } from "../exercise-types/exercise-types.analysis";
import {
  authenticateSocket,
  forwardedRequest,
  withSelectedProtocol,
} from "../realtime/realtime.socket";
import { accessSession, RESOURCE } from "../sessions/sessions.access";
import { acceptsFrames } from "../sessions/sessions.status";

const JOINED = "exercise_session.read" as const;

/**
 * Verifies the caller, their relation to the session and, for the patient's device, that the
 * session still takes frames; then hands the upgrade to the session's room. Throws 401, 403, 404,
 * 409 (the session takes no more frames, or its exercise has no movement analysis) or 426.
 */
export async function connectLiveSession(
  ctx: RequestContext,
  request: Request,
  sessionId: string,
  token: string | null,
): Promise<Response> {
  const caller = await authenticateSocket(ctx, request, token);
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
    userId: caller.userId,
    workspaceId: caller.workspaceId,
    role: caller.role,
    sessionId: caller.sessionId,
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
  const forwarded = forwardedRequest(request, caller);
  forwarded.headers.set(LIVE_CALLER_HEADER, JSON.stringify(live));
  forwarded.headers.set(LIVE_SETUP_HEADER, JSON.stringify(setup));
  const room = await getServerByName(ctx.env.LiveSession, sessionId);
  return withSelectedProtocol(request, await room.fetch(forwarded));
}
