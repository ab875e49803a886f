/**
 * Completing a session: `POST /sessions/{id}/complete` moves it to processing, runs the movement
 * analysis over every stored frame (inline for short sessions, on the JOBS queue for long ones,
 * answering 202), stores the result and moves it to review_pending, then tells the care team's
 * clinicians (`notification:new` and their inbox, src/modules/notifications; clinicians only).
 * The analysis step is idempotent: it only acts on a session still in processing.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Bindings } from "../../env";
import { exerciseTypes } from "../../db/schema/exercises";
import { exerciseSessions, type SessionStatus } from "../../db/schema/sessions";
import { guardedWrite } from "../../lib/guarded-write";
import { ConflictError, ValidationError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import { createRequestContext, type RequestContext } from "../../middleware/request-context";
import type { AnalysisConfig } from "../exercise-types/exercise-types.analysis";
import { shipLiveFrames } from "../live/live.buffer";
import { notifySessionReview } from "../notifications/notifications.content";
import { accessSession, RESOURCE } from "./sessions.access";
import { presentPoseData } from "./sessions.data";
import { completeAnalysis, dropProgress } from "./sessions.progress";

const COMPLETED = "exercise_session.completed" as const;
const ANALYZED = "exercise_session.analyzed" as const;

/**
 * Completion analyses inline when at most this many frames must be read back (90 s at 30 fps):
 * the frames the analysis advanced over as chunks arrived (sessions.progress.ts) are not read
 * again, so a long session whose chunks came in order completes inline too. More goes to the
 * queue.
 */
export const INLINE_ANALYSIS_MAX_FRAMES = 2700;

/** Ends recording and runs (or queues) the analysis. `queued` means the answer is a 202. */
export async function completeSession(ctx: RequestContext, id: string) {
  const caller = callerOf(ctx);
  const { session } = await accessSession(ctx, id, "write", COMPLETED);
  if (session.status !== "pending" && session.status !== "recording") {
    throw new ConflictError(`A session cannot move from '${session.status}' to 'processing'`, [
      { field: "status", message: `Illegal transition ${session.status} → processing` },
    ]);
  }
  // Frames a live room acknowledged may still be in its own storage: they ship first, so the
  // analysis sees every one (a room with nothing buffered answers at once).
  let frames = session.frameCount;
  if (await shipLiveFrames(ctx.env, id)) {
    const [row] = await ctx.db.orm
      .select({ frameCount: exerciseSessions.frameCount })
      .from(exerciseSessions)
      .where(
        and(eq(exerciseSessions.id, id), eq(exerciseSessions.workspaceId, caller.workspaceId)),
      );
    frames = row?.frameCount ?? frames;
  }
  if (frames === 0) {
    throw new ValidationError([{ field: "frames", message: "Upload pose data before completing" }]);
  }
  const now = new Date().toISOString();
  const s = exerciseSessions;
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(s)
      .set({ status: "processing", endedAt: now, updatedAt: now })
      .where(
        and(
          eq(s.id, id),
          eq(s.workspaceId, caller.workspaceId),
          inArray(s.status, ["pending", "recording"]),
        ),
      ),
    audit: {
      action: COMPLETED,
      resourceType: RESOURCE,
      resourceId: id,
      metadata: { patient_id: session.patientId, frames },
    },
  });
  if (!changed) throw new ConflictError("The session was completed by another request");
  const job = {
    type: "analyze_session" as const,
    workspace_id: caller.workspaceId,
    session_id: id,
  };
  const queued = {
    queued: true as const,
    result: { session_id: id, status: "processing" as const, pose_data: null },
  };
  let row;
  try {
    row = await analyzeStoredSession(ctx.env, caller.workspaceId, id, ctx, {
      maxFrames: INLINE_ANALYSIS_MAX_FRAMES,
    });
    if (row === DEFERRED) {
      await ctx.env.JOBS.send(job);
      return queued;
    }
  } catch (error) {
    // Never leave a session stuck in processing: the queue retries the analysis.
    console.error(
      JSON.stringify({
        level: "error",
        event: "inline_analysis_failed",
        error: (error as Error).name,
      }),
    );
    await ctx.env.JOBS.send(job);
    return queued;
  }
  return {
    queued: false as const,
    result: {
      session_id: id,
      status: (row?.status ?? "processing") as SessionStatus,
      pose_data: row ? presentPoseData(row) : null,
    },
  };
}

/** analyzeStoredSession's answer when more than `maxFrames` frames would have to be read. */
export const DEFERRED = "deferred" as const;

/**
 * Runs the analysis of a session in processing and moves it to review_pending (the queue job and
 * the inline path). Returns the updated row, null when there was nothing to do, or DEFERRED
 * (nothing written) when more than `opts.maxFrames` frames would have to be read back.
 */
export async function analyzeStoredSession(
  env: Bindings,
  workspaceId: string,
  sessionId: string,
  requestCtx?: RequestContext,
  opts: { maxFrames?: number } = {},
) {
  const ctx =
    requestCtx ?? createRequestContext(env, new Request("https://jobs.internal/"), () => undefined);
  const db = ctx.db.orm;
  const s = exerciseSessions;
  const [session] = await db
    .select()
    .from(s)
    .where(and(eq(s.id, sessionId), eq(s.workspaceId, workspaceId)))
    .limit(1);
  if (!session || session.status !== "processing") return null;
  const [type] = await db
    .select({ slug: exerciseTypes.slug, analysis: exerciseTypes.analysis })
    .from(exerciseTypes)
    .where(
      and(eq(exerciseTypes.id, session.exerciseTypeId), eq(exerciseTypes.workspaceId, workspaceId)),
    )
    .limit(1);
  if (!type) throw new Error("Session's exercise type is missing");
  const frameSize =
    session.frameWidth && session.frameHeight
      ? { width: session.frameWidth, height: session.frameHeight }
      : undefined;
  const done = await completeAnalysis(
    { bucket: env.MEDIA, phi: ctx.phi, db },
    workspaceId,
    sessionId,
    type.analysis as AnalysisConfig,
    frameSize,
    opts.maxFrames,
  );
  if (!done) return DEFERRED;
  const { analysis } = done;
  const now = new Date().toISOString();
  const changes = {
    analysis: analysis as unknown as Record<string, unknown>,
    repCount: analysis.rep_count,
    qualityScore: analysis.quality_score,
    analyzedAt: now,
    status: "review_pending" as const,
    updatedAt: now,
  };
  const { changed } = await guardedWrite(ctx, {
    change: db
      .update(s)
      .set(changes)
      .where(and(eq(s.id, sessionId), eq(s.workspaceId, workspaceId), eq(s.status, "processing"))),
    audit: {
      action: ANALYZED,
      resourceType: RESOURCE,
      resourceId: sessionId,
      workspaceId,
      ...(!requestCtx && { actorId: null, actorRole: "system" }),
      metadata: {
        patient_id: session.patientId,
        frames_used: analysis.frames_used,
        rep_count: analysis.rep_count,
        resumed: done.resumed,
        chunks_read: done.chunksRead,
      },
    },
    // The saved progress is no longer needed once the session takes no frames (right either way).
    then: [...dropProgress(db, workspaceId, sessionId)],
  });
  if (!changed) return null;
  await notifyCareTeam(ctx, workspaceId, { ...session, ...changes }, type.slug);
  return { ...session, ...changes };
}

/** `notification:new` (and an inbox entry) to each clinician on the patient's care team. */
async function notifyCareTeam(
  ctx: RequestContext,
  workspaceId: string,
  session: { id: string; patientId: string; repCount: number | null; qualityScore: number | null },
  slug: string,
) {
  try {
    await notifySessionReview(ctx, workspaceId, session, slug);
  } catch (error) {
    // The session stays in the review queue (GET /physio/sessions): a missed push loses nothing.
    console.warn(
      JSON.stringify({ level: "warn", event: "notify_failed", error: (error as Error).name }),
    );
  }
}
