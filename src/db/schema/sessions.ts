/**
 * Exercise sessions (seed 000), their packed pose data, reviews, motion predictions (seed 004)
 * and posture analyses (seed 003).
 *
 * Invariants:
 * - Every row carries `workspace_id`; free text (instructions, review notes and feedback, posture
 *   notes, equipment and environment notes, posture video references) is stored only
 *   encrypted, bound to table, column and row.
 * - Pose frames are never a D1 row each: a `session_pose_chunks` row indexes one packed,
 *   encrypted R2 object of many frames (its key is made of ids only). A chunk is identified by
 *   its first timestamp, so a retried upload finds the stored chunk (`content_hash` tells a true
 *   retry from a different chunk); chunks of a session never overlap in time.
 * - Aggregates (frame count, time span) and the server's analysis live on the session row; the
 *   analysis is the truth, client-sent angles and issues are kept in the chunks but not trusted.
 * - `status` only moves along SESSION_STATUSES (see sessions.status.ts); one review per session.
 */
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, flag, id, timestamp, updatedAt, workspaceId } from "./columns";

export const SESSION_STATUSES = [
  "pending",
  "recording",
  "processing",
  "review_pending",
  "reviewed",
  "completed",
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const ASSESSMENTS = ["EXCELLENT", "GOOD", "FAIR", "POOR"] as const;
export type Assessment = (typeof ASSESSMENTS)[number];

export const exerciseSessions = sqliteTable(
  "exercise_sessions",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    exerciseTypeId: text("exercise_type_id").notNull(),
    assignmentId: text("assignment_id"),
    createdBy: text("created_by").notNull(),
    status: text("status", { enum: SESSION_STATUSES }).notNull().default("pending"),
    scheduledAt: timestamp("scheduled_at"),
    estimatedDurationS: integer("estimated_duration_s"),
    instructionsEnc: text("instructions_enc"),
    /** Seed 000: `equipment_used` (a JSON list) and `environment_notes`, both encrypted. */
    equipmentUsedEnc: text("equipment_used_enc"),
    environmentNotesEnc: text("environment_notes_enc"),
    frameWidth: integer("frame_width"),
    frameHeight: integer("frame_height"),
    videoMediaId: text("video_media_id"),
    startedAt: timestamp("started_at"),
    endedAt: timestamp("ended_at"),
    frameCount: integer("frame_count").notNull().default(0),
    chunkCount: integer("chunk_count").notNull().default(0),
    firstFrameMs: integer("first_frame_ms"),
    lastFrameMs: integer("last_frame_ms"),
    /** The server's SessionAnalysis (JSON), once analysed. */
    analysis: text("analysis", { mode: "json" }).$type<Record<string, unknown>>(),
    repCount: integer("rep_count"),
    qualityScore: real("quality_score"),
    analyzedAt: timestamp("analyzed_at"),
    completedAt: timestamp("completed_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("exercise_sessions_patient").on(t.workspaceId, t.patientId, t.createdAt),
    index("exercise_sessions_status").on(t.workspaceId, t.status, t.createdAt),
    index("exercise_sessions_assignment").on(t.workspaceId, t.assignmentId),
  ],
);

export const sessionPoseChunks = sqliteTable(
  "session_pose_chunks",
  {
    id: id(),
    workspaceId: workspaceId(),
    sessionId: text("session_id").notNull(),
    firstMs: integer("first_ms").notNull(),
    lastMs: integer("last_ms").notNull(),
    frameCount: integer("frame_count").notNull(),
    hasWorld: flag("has_world").notNull().default(false),
    objectKey: text("object_key").notNull(),
    contentHash: text("content_hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("session_pose_chunks_start").on(t.sessionId, t.firstMs)],
);

/**
 * The movement analysis of a session still taking frames, advanced as chunks arrive
 * (sessions.progress.ts): derived from the chunks, so it can always be rebuilt and is dropped
 * once the analysis is stored. `state` is the engine's saved text (analysis/resumable.ts),
 * sealed with the PHI key bound to this row; it covers the `chunks` chunks (`frames` frames) up
 * to `through_ms`, for one exercise config (`config_hash`) and frame size. `version` rises with
 * every write (the guard of concurrent writers); the series pieces of this state are the rows of
 * `session_analysis_series` with `seq` from `base` to `version`.
 */
export const sessionAnalysisStates = sqliteTable("session_analysis_states", {
  sessionId: text("session_id").primaryKey(),
  workspaceId: workspaceId(),
  version: integer("version").notNull(),
  base: integer("base").notNull(),
  throughMs: real("through_ms").notNull(),
  chunks: integer("chunks").notNull(),
  frames: integer("frames").notNull(),
  configHash: text("config_hash").notNull(),
  frameWidth: integer("frame_width"),
  frameHeight: integer("frame_height"),
  stateEnc: text("state_enc").notNull(),
  updatedAt: updatedAt(),
});

/** One appended piece of a session's primary-angle series ([t, angle] float64 pairs), sealed. */
export const sessionAnalysisSeries = sqliteTable(
  "session_analysis_series",
  {
    sessionId: text("session_id").notNull(),
    seq: integer("seq").notNull(),
    workspaceId: workspaceId(),
    seriesEnc: text("series_enc").notNull(),
  },
  (t) => [uniqueIndex("session_analysis_series_seq").on(t.sessionId, t.seq)],
);

export const sessionReviews = sqliteTable(
  "session_reviews",
  {
    id: id(),
    workspaceId: workspaceId(),
    sessionId: text("session_id").notNull(),
    patientId: text("patient_id").notNull(),
    reviewerId: text("reviewer_id").notNull(),
    overallAssessment: text("overall_assessment", { enum: ASSESSMENTS }).notNull(),
    notesEnc: text("notes_enc"),
    formFeedbackEnc: text("form_feedback_enc"),
    nextStepsEnc: text("next_steps_enc"),
    followUpDate: timestamp("follow_up_date"),
    reviewedAt: text("reviewed_at").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("session_reviews_session").on(t.workspaceId, t.sessionId),
    index("session_reviews_patient").on(t.workspaceId, t.patientId, t.reviewedAt),
  ],
);

export const motionPredictions = sqliteTable(
  "motion_predictions",
  {
    id: id(),
    workspaceId: workspaceId(),
    sessionId: text("session_id").notNull(),
    patientId: text("patient_id").notNull(),
    assignmentId: text("assignment_id"),
    expectedTypeId: text("expected_type_id"),
    predictedTypeId: text("predicted_type_id"),
    predictedMotion: text("predicted_motion").notNull(),
    confidenceScore: real("confidence_score").notNull(),
    isMatch: flag("is_match"),
    modelName: text("model_name").notNull(),
    ranking: text("ranking", { mode: "json" }).$type<{ slug: string; score: number }[]>().notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("motion_predictions_session").on(t.workspaceId, t.sessionId, t.createdAt)],
);

export const postureAnalyses = sqliteTable(
  "posture_analyses",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    createdBy: text("created_by").notNull(),
    /** Null when the analysis was saved without landmarks (seed 003: a video and notes). */
    score: real("score"),
    parts: text("parts", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    cues: text("cues", { mode: "json" }).$type<{ code: string; message: string }[]>().notNull(),
    landmarksEnc: text("landmarks_enc"),
    textEnc: text("text_enc"),
    mediaId: text("media_id"),
    /** A client's https video reference (seed 003 `video_url`), encrypted, never fetched. */
    videoUrlEnc: text("video_url_enc"),
    frameWidth: integer("frame_width"),
    frameHeight: integer("frame_height"),
    createdAt: createdAt(),
  },
  (t) => [index("posture_analyses_patient").on(t.workspaceId, t.patientId, t.createdAt)],
);
