/**
 * Creating, changing and deleting exercise sessions. The patient creates their own; a clinician
 * on the care team (or an admin) creates one for a patient. Each change and its audit entry are
 * written in one batch. Retried creates are deduplicated by the `Idempotency-Key` middleware.
 */
import { and, eq } from "drizzle-orm";
import { exerciseAssignments, exerciseTypes } from "../../db/schema/exercises";
import {
  exerciseSessions,
  motionPredictions,
  sessionPoseChunks,
  sessionReviews,
} from "../../db/schema/sessions";
import { auditEntry, recordAudit, type AuditAction } from "../../lib/audit";
import { guardedWrite } from "../../lib/guarded-write";
import { ConflictError, ForbiddenError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, isStaff } from "../../policy/policy";
import { dropProgress } from "./sessions.progress";
import { accessSession, RESOURCE } from "./sessions.access";
import { contextColumns, presentSession, sessionRef, type SessionRow } from "./sessions.data";
import { removeSessionVideo, sessionVideoUpload } from "./sessions.media";
import type { CreateSessionInput, UpdateSessionInput } from "./sessions.schemas";
import { assertMove, CLIENT_MOVES, acceptsFrames } from "./sessions.status";

const CREATED = "exercise_session.created" satisfies AuditAction;
const UPDATED = "exercise_session.updated" satisfies AuditAction;
const DELETED = "exercise_session.deleted" satisfies AuditAction;

/** The exercise a create names: by assignment (of this patient), id or slug; 422 otherwise. */
async function resolveExercise(ctx: RequestContext, input: CreateSessionInput) {
  const ws = callerOf(ctx).workspaceId;
  let typeId = input.exercise_type_id ?? null;
  if (input.assignment_id) {
    const [rows] = await ctx.db.read([
      ctx.db.orm
        .select({
          patientId: exerciseAssignments.patientId,
          typeId: exerciseAssignments.exerciseTypeId,
        })
        .from(exerciseAssignments)
        .where(
          and(
            eq(exerciseAssignments.id, input.assignment_id),
            eq(exerciseAssignments.workspaceId, ws),
          ),
        )
        .limit(1),
    ]);
    const a = rows[0];
    if (!a || a.patientId !== input.patient_id) {
      throw new ValidationError([
        { field: "assignment_id", message: "No such assignment for this patient" },
      ]);
    }
    if (typeId && typeId !== a.typeId) {
      throw new ValidationError([
        { field: "exercise_type_id", message: "Differs from the assignment's exercise" },
      ]);
    }
    typeId = a.typeId;
  }
  const where = typeId
    ? eq(exerciseTypes.id, typeId)
    : input.exercise_type
      ? eq(exerciseTypes.slug, input.exercise_type)
      : null;
  if (!where) {
    throw new ValidationError([
      { field: "exercise_type", message: "Give exercise_type, exercise_type_id or assignment_id" },
    ]);
  }
  const [types] = await ctx.db.read([
    ctx.db.orm
      .select({ id: exerciseTypes.id, slug: exerciseTypes.slug, name: exerciseTypes.name })
      .from(exerciseTypes)
      .where(and(where, eq(exerciseTypes.workspaceId, ws)))
      .limit(1),
  ]);
  const type = types[0];
  if (!type) {
    const field = input.exercise_type_id ? "exercise_type_id" : "exercise_type";
    throw new ValidationError([{ field, message: "Unknown exercise type" }]);
  }
  if (input.exercise_type && input.exercise_type !== type.slug) {
    throw new ValidationError([
      { field: "exercise_type", message: "Differs from the given exercise" },
    ]);
  }
  return type;
}

/** Creates a session (seed 000 §1) and the signed URL its video is uploaded to. */
export async function createSession(ctx: RequestContext, input: CreateSessionInput) {
  const caller = callerOf(ctx);
  await accessPatient(ctx, input.patient_id, "write", { action: CREATED, resourceType: "patient" });
  const type = await resolveExercise(ctx, input);
  const id = uuidv7();
  const now = new Date().toISOString();
  const row: SessionRow = {
    id,
    workspaceId: caller.workspaceId,
    patientId: input.patient_id,
    exerciseTypeId: type.id,
    assignmentId: input.assignment_id ?? null,
    createdBy: caller.userId,
    status: "pending",
    scheduledAt: input.scheduled_datetime ? new Date(input.scheduled_datetime).toISOString() : null,
    estimatedDurationS: input.estimated_duration ?? null,
    instructionsEnc: await ctx.phi.encryptOptional(
      input.instructions,
      sessionRef(id, "instructions"),
    ),
    equipmentUsedEnc: null,
    environmentNotesEnc: null,
    ...(await contextColumns(ctx.phi, id, input)),
    frameWidth: input.frame_size?.width ?? null,
    frameHeight: input.frame_size?.height ?? null,
    videoMediaId: null,
    startedAt: null,
    endedAt: null,
    frameCount: 0,
    chunkCount: 0,
    firstFrameMs: null,
    lastFrameMs: null,
    analysis: null,
    repCount: null,
    qualityScore: null,
    analyzedAt: null,
    completedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const audit = await auditEntry(ctx, {
    action: CREATED,
    resourceType: RESOURCE,
    resourceId: id,
    metadata: { patient_id: input.patient_id, exercise_type_id: type.id },
  });
  await ctx.db.write([ctx.db.orm.insert(exerciseSessions).values(row), audit.query]);
  // After the insert: the media module checks the owner (this session) before signing.
  const upload = await sessionVideoUpload(
    ctx,
    id,
    input.video_content_type,
    input.video_size_bytes,
  );
  await ctx.db.write([
    ctx.db.orm
      .update(exerciseSessions)
      .set({ videoMediaId: upload.media_id })
      .where(
        and(eq(exerciseSessions.id, id), eq(exerciseSessions.workspaceId, caller.workspaceId)),
      ),
  ]);
  return {
    session_id: id,
    status: row.status,
    upload_urls: {
      video: upload.upload_url,
      metadata: `${ctx.env.APP_BASE_URL}/api/v1/sessions/${id}/data`,
      video_upload: {
        media_id: upload.media_id,
        method: "PUT" as const,
        headers: upload.headers,
        max_bytes: upload.max_bytes,
      },
    },
    expires_at: upload.expires_at,
  };
}

const CLINICIAN_FIELDS = ["scheduled_datetime", "estimated_duration", "instructions"] as const;

/** Changes a session's metadata or moves its status (only the client-owned moves, 409 otherwise). */
export async function updateSession(ctx: RequestContext, id: string, input: UpdateSessionInput) {
  const caller = callerOf(ctx);
  const { session, type } = await accessSession(ctx, id, "write", UPDATED);
  const deny = async (reason: string, fields: string[]) => {
    await recordAudit(ctx, {
      action: UPDATED,
      resourceType: RESOURCE,
      resourceId: id,
      outcome: "denied",
      metadata: { reason, fields },
    });
    throw new ForbiddenError();
  };
  const clinicianFields = CLINICIAN_FIELDS.filter((f) => f in input);
  if (!isStaff(caller.role) && clinicianFields.length > 0)
    await deny("staff_fields", clinicianFields);
  if (input.status && input.status !== session.status) {
    assertMove(session.status, input.status, CLIENT_MOVES[session.status] === input.status);
    if (input.status === "completed" && !isStaff(caller.role))
      await deny("staff_closes", ["status"]);
  }
  if (input.frame_size && !acceptsFrames(session.status)) {
    throw new ConflictError("The frame size is fixed once recording has ended", [
      { field: "frame_size", message: `Session is ${session.status}` },
    ]);
  }
  const now = new Date().toISOString();
  const status = input.status ?? session.status;
  const changes: Partial<SessionRow> = {
    ...(input.scheduled_datetime !== undefined && {
      scheduledAt: input.scheduled_datetime
        ? new Date(input.scheduled_datetime).toISOString()
        : null,
    }),
    ...(input.estimated_duration !== undefined && { estimatedDurationS: input.estimated_duration }),
    ...(input.instructions !== undefined && {
      instructionsEnc: await ctx.phi.encryptOptional(
        input.instructions,
        sessionRef(id, "instructions"),
      ),
    }),
    ...(await contextColumns(ctx.phi, id, input)),
    ...(input.frame_size && {
      frameWidth: input.frame_size.width,
      frameHeight: input.frame_size.height,
    }),
    status,
    ...(status === "recording" && !session.startedAt && { startedAt: now }),
    ...(status === "completed" && session.status !== "completed" && { completedAt: now }),
    updatedAt: now,
  };
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(exerciseSessions)
      .set(changes)
      .where(
        and(
          eq(exerciseSessions.id, id),
          eq(exerciseSessions.workspaceId, caller.workspaceId),
          // Guard against a concurrent move: the row must still be in the state we checked.
          eq(exerciseSessions.status, session.status),
        ),
      ),
    audit: {
      action: UPDATED,
      resourceType: RESOURCE,
      resourceId: id,
      metadata: { patient_id: session.patientId, fields: Object.keys(input).sort(), status },
    },
  });
  if (!changed) throw new ConflictError("The session changed meanwhile; reload it");
  return presentSession(ctx.phi, { ...session, ...changes }, type);
}

/**
 * Deletes a session with its pose data, predictions and video, until it has been reviewed: a
 * reviewed session is part of the clinical record (409).
 */
export async function deleteSession(ctx: RequestContext, id: string) {
  const caller = callerOf(ctx);
  const { session } = await accessSession(ctx, id, "write", DELETED);
  if (session.status === "reviewed" || session.status === "completed") {
    throw new ConflictError("A reviewed session is part of the clinical record and is kept", [
      { field: "status", message: `Session is ${session.status}` },
    ]);
  }
  const ws = caller.workspaceId;
  const [chunks] = await ctx.db.read([
    ctx.db.orm
      .select({ key: sessionPoseChunks.objectKey })
      .from(sessionPoseChunks)
      .where(and(eq(sessionPoseChunks.sessionId, id), eq(sessionPoseChunks.workspaceId, ws))),
  ]);
  const audit = await auditEntry(ctx, {
    action: DELETED,
    resourceType: RESOURCE,
    resourceId: id,
    metadata: { patient_id: session.patientId, chunks: chunks.length },
  });
  await ctx.db.write([
    ctx.db.orm
      .delete(sessionPoseChunks)
      .where(and(eq(sessionPoseChunks.sessionId, id), eq(sessionPoseChunks.workspaceId, ws))),
    ...dropProgress(ctx.db.orm, ws, id),
    ctx.db.orm
      .delete(motionPredictions)
      .where(and(eq(motionPredictions.sessionId, id), eq(motionPredictions.workspaceId, ws))),
    ctx.db.orm
      .delete(sessionReviews)
      .where(and(eq(sessionReviews.sessionId, id), eq(sessionReviews.workspaceId, ws))),
    ctx.db.orm
      .delete(exerciseSessions)
      .where(and(eq(exerciseSessions.id, id), eq(exerciseSessions.workspaceId, ws))),
    audit.query,
  ]);
  // Objects after rows: a failure here leaves unreachable objects, never a row without its data.
  if (chunks.length > 0) await ctx.env.MEDIA.delete(chunks.map((c) => c.key));
  if (session.videoMediaId) await removeSessionVideo(ctx, session.videoMediaId);
}
