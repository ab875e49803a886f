/**
 * Motion prediction (seed 004): which catalog exercise a session's frames show, and whether it
 * matches the assigned one. The classifier is the analysis module's `classifyMotion` (joint-angle
 * templates of the workspace's catalog); each prediction is stored and audited. A "video" is a
 * session with its recording; videos are read with the session's own access rules (no family).
 */
import { and, count, desc, eq, inArray, isNotNull, type SQL } from "drizzle-orm";
import { classifyMotion } from "../../analysis/classify";
import { exerciseAssignments, exerciseTypes } from "../../db/schema/exercises";
import { exerciseSessions, motionPredictions } from "../../db/schema/sessions";
import { auditEntry, recordAudit } from "../../lib/audit";
import { NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { offsetOf, type PageQuery } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient } from "../../policy/policy";
import type { AnalysisConfig } from "../exercise-types/exercise-types.analysis";
import { loadSessionFrames, toPoseFrame } from "./pose.store";
import type { PredictInput } from "./predict.schemas";
import { accessSession } from "./sessions.access";
import type { SessionRow } from "./sessions.data";
import { sessionVideoUrl } from "./sessions.media";

type PredictionRow = typeof motionPredictions.$inferSelect;
/** Classification cost grows with frames; beyond this the frames are evenly thinned. */
const MAX_CLASSIFY_FRAMES = 5400;

const present = (p: PredictionRow, slugOf: Map<string, string>) => ({
  id: p.id,
  video_id: p.sessionId,
  exercise_id: p.assignmentId,
  patient_id: p.patientId,
  expected_motion: p.expectedTypeId ? (slugOf.get(p.expectedTypeId) ?? null) : null,
  predicted_motion: p.predictedMotion,
  confidence_score: p.confidenceScore,
  is_match: p.isMatch,
  model_name: p.modelName,
  raw_results: { ranking: p.ranking },
  created_at: p.createdAt,
});

const catalogOf = (ctx: RequestContext) =>
  ctx.db.orm
    .select({
      id: exerciseTypes.id,
      slug: exerciseTypes.slug,
      name: exerciseTypes.name,
      config: exerciseTypes.analysis,
    })
    .from(exerciseTypes)
    .where(eq(exerciseTypes.workspaceId, callerOf(ctx).workspaceId));

/** Classifies a session's frames (`POST /predict`) and stores the prediction. */
export async function predictMotion(ctx: RequestContext, input: PredictInput) {
  const caller = callerOf(ctx);
  const action = "motion_prediction.created" as const;
  const { session } = await accessSession(ctx, input.session_id, "write", action);
  if (session.frameCount === 0) {
    throw new ValidationError([
      { field: "session_id", message: "The session has no pose frames yet" },
    ]);
  }
  const assignmentId = input.exercise_id ?? session.assignmentId;
  let expectedTypeId: string | null = session.exerciseTypeId;
  if (assignmentId) {
    const [rows] = await ctx.db.read([
      ctx.db.orm
        .select({
          patientId: exerciseAssignments.patientId,
          typeId: exerciseAssignments.exerciseTypeId,
        })
        .from(exerciseAssignments)
        .where(
          and(
            eq(exerciseAssignments.id, assignmentId),
            eq(exerciseAssignments.workspaceId, caller.workspaceId),
          ),
        )
        .limit(1),
    ]);
    if (!rows[0] || rows[0].patientId !== session.patientId) {
      throw new ValidationError([
        { field: "exercise_id", message: "No such assignment for this patient" },
      ]);
    }
    expectedTypeId = rows[0].typeId;
  }
  const [catalog] = await ctx.db.read([catalogOf(ctx)]);
  const packed = await loadSessionFrames(
    { bucket: ctx.env.MEDIA, phi: ctx.phi, db: ctx.db.orm },
    caller.workspaceId,
    session.id,
  );
  const stride = Math.max(1, Math.ceil(packed.length / MAX_CLASSIFY_FRAMES));
  const frames = packed.filter((_, i) => i % stride === 0).map((p) => toPoseFrame(p));
  if (catalog.length === 0) {
    throw new ValidationError([
      { field: "session_id", message: "The workspace has no exercise catalog" },
    ]);
  }
  const frameSize =
    session.frameWidth && session.frameHeight
      ? { width: session.frameWidth, height: session.frameHeight }
      : undefined;
  const result = classifyMotion(
    frames,
    catalog.map((t) => ({ slug: t.slug, name: t.name, config: t.config as AnalysisConfig })),
    frameSize ? { frameSize } : {},
  );
  const slugOf = new Map(catalog.map((t) => [t.id, t.slug]));
  const predicted = catalog.find((t) => t.slug === result.predicted_motion);
  const row: PredictionRow = {
    id: uuidv7(),
    workspaceId: caller.workspaceId,
    sessionId: session.id,
    patientId: session.patientId,
    assignmentId: assignmentId ?? null,
    expectedTypeId,
    predictedTypeId: predicted?.id ?? null,
    predictedMotion: result.predicted_motion,
    confidenceScore: result.confidence_score,
    isMatch: expectedTypeId ? predicted?.id === expectedTypeId : null,
    modelName: result.model_name,
    ranking: result.ranking,
    createdBy: caller.userId,
    createdAt: new Date().toISOString(),
  };
  const audit = await auditEntry(ctx, {
    action,
    resourceType: "motion_prediction",
    resourceId: row.id,
    metadata: { patient_id: session.patientId, session_id: session.id, is_match: row.isMatch },
  });
  await ctx.db.write([ctx.db.orm.insert(motionPredictions).values(row), audit.query]);
  return present(row, slugOf);
}

async function videosOf(ctx: RequestContext, sessions: SessionRow[], withUrl: boolean) {
  const ids = sessions.map((s) => s.id);
  const [predictions, catalog] = ids.length
    ? await ctx.db.read([
        ctx.db.orm
          .select()
          .from(motionPredictions)
          .where(
            and(
              eq(motionPredictions.workspaceId, callerOf(ctx).workspaceId),
              inArray(motionPredictions.sessionId, ids),
            ),
          )
          .orderBy(desc(motionPredictions.createdAt)),
        catalogOf(ctx),
      ])
    : [[], []];
  const slugOf = new Map(catalog.map((t) => [t.id, t.slug]));
  return Promise.all(
    sessions.map(async (s) => {
      const latest = predictions.find((p) => p.sessionId === s.id) ?? null;
      const url = withUrl ? await sessionVideoUrl(ctx, s.videoMediaId) : null;
      return {
        id: s.id,
        patient_id: s.patientId,
        exercise_id: s.assignmentId,
        exercise_type: slugOf.get(s.exerciseTypeId) ?? "unknown",
        media_id: s.videoMediaId,
        video_url: url,
        status: latest
          ? ("Processed" as const)
          : s.frameCount > 0 || url
            ? ("Uploaded" as const)
            : ("Pending" as const),
        frame_count: s.frameCount,
        upload_date: s.createdAt,
        prediction: latest ? present(latest, slugOf) : null,
      };
    }),
  );
}

/** `GET /videos/{id}`: a session's video with its latest prediction. */
export async function getVideo(ctx: RequestContext, id: string) {
  const action = "motion_prediction.read" as const;
  const { session } = await accessSession(ctx, id, "read", action);
  const [video] = await videosOf(ctx, [session], true);
  await recordAudit(ctx, {
    action,
    resourceType: "exercise_session",
    resourceId: id,
    metadata: { patient_id: session.patientId },
  });
  return video!;
}

async function pageOfVideos(
  ctx: RequestContext,
  where: SQL,
  query: PageQuery,
  audit: { resourceType: string; resourceId: string },
) {
  const s = exerciseSessions;
  const filter = and(
    eq(s.workspaceId, callerOf(ctx).workspaceId),
    isNotNull(s.videoMediaId),
    where,
  );
  const [rows, total] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(s)
      .where(filter)
      .orderBy(desc(s.createdAt), desc(s.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm.select({ n: count() }).from(s).where(filter),
  ]);
  const items = await videosOf(ctx, rows, false);
  await recordAudit(ctx, {
    action: "motion_prediction.listed",
    ...audit,
    metadata: { count: items.length },
  });
  return { items, total: total[0]?.n ?? 0 };
}

/** `GET /videos/patient/{patient_id}`: a patient's videos with predictions. */
export async function listPatientVideos(ctx: RequestContext, patientId: string, query: PageQuery) {
  const action = "motion_prediction.listed" as const;
  await accessPatient(ctx, patientId, "read", { action });
  if (callerOf(ctx).role === "family") {
    await recordAudit(ctx, {
      action,
      resourceType: "patient",
      resourceId: patientId,
      outcome: "denied",
    });
    throw new NotFoundError("Patient");
  }
  return pageOfVideos(ctx, eq(exerciseSessions.patientId, patientId), query, {
    resourceType: "patient",
    resourceId: patientId,
  });
}

/** `GET /predict/exercise/{exercise_id}/videos`: the videos recorded for an assignment. */
export async function listAssignmentVideos(
  ctx: RequestContext,
  assignmentId: string,
  query: PageQuery,
) {
  const action = "motion_prediction.listed" as const;
  const caller = callerOf(ctx);
  // Family never see videos: refused before the lookup, with the same 404 as an unknown id.
  if (caller.role === "family") {
    await recordAudit(ctx, {
      action,
      resourceType: "exercise_assignment",
      resourceId: assignmentId,
      outcome: "denied",
      metadata: { reason: "role" },
    });
    throw new NotFoundError("Exercise assignment");
  }
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ patientId: exerciseAssignments.patientId })
      .from(exerciseAssignments)
      .where(
        and(
          eq(exerciseAssignments.id, assignmentId),
          eq(exerciseAssignments.workspaceId, caller.workspaceId),
        ),
      )
      .limit(1),
  ]);
  if (!rows[0]) {
    await recordAudit(ctx, {
      action,
      resourceType: "exercise_assignment",
      resourceId: assignmentId,
      outcome: "not_found",
    });
    throw new NotFoundError("Exercise assignment");
  }
  return listPatientVideosFor(ctx, rows[0].patientId, assignmentId, query);
}

async function listPatientVideosFor(
  ctx: RequestContext,
  patientId: string,
  assignmentId: string,
  query: PageQuery,
) {
  const action = "motion_prediction.listed" as const;
  try {
    await accessPatient(ctx, patientId, "read", { action });
  } catch (err) {
    // Outside the relation (audited by accessPatient): the same answer as an unknown assignment.
    if (err instanceof NotFoundError) throw new NotFoundError("Exercise assignment");
    throw err;
  }
  return pageOfVideos(ctx, eq(exerciseSessions.assignmentId, assignmentId), query, {
    resourceType: "exercise_assignment",
    resourceId: assignmentId,
  });
}
