/** Request and response schemas of exercise sessions (seed 000 §1–§3). */
import { z } from "@hono/zod-openapi";
import { SESSION_STATUSES } from "../../db/schema/sessions";
import { PageQuery } from "../../lib/pagination";

export const SessionStatus = z.enum(SESSION_STATUSES).openapi("ExerciseSessionStatus");

export const FrameSize = z
  .object({
    width: z.number().int().min(16).max(16384),
    height: z.number().int().min(16).max(16384),
  })
  .openapi("FrameSize", { description: "The video frame in pixels (portrait: height > width)" });

/** Seed 000 `equipment_used TEXT[]`: what the patient used (stored encrypted). */
const EquipmentUsed = z
  .array(z.string().trim().min(1).max(100))
  .max(20)
  .openapi({ example: ["resistance band", "chair"] });
/** Seed 000 `environment_notes`: free text about where the session was done (encrypted). */
const EnvironmentNotes = z
  .string()
  .trim()
  .max(2000)
  .openapi({ example: "Living room, good light, phone on a shelf" });

const VIDEO_TYPES = ["video/mp4", "video/quicktime", "video/webm"] as const;

export const CreateSessionInput = z
  .object({
    patient_id: z.uuid(),
    exercise_type: z
      .string()
      .regex(/^[a-z0-9_]{1,60}$/)
      .optional()
      .openapi({ example: "squat", description: "Catalog slug" }),
    exercise_type_id: z.uuid().optional(),
    assignment_id: z.uuid().optional().openapi({ description: "The assignment this fulfils" }),
    scheduled_datetime: z.iso.datetime({ offset: true }).optional(),
    estimated_duration: z.number().int().min(1).max(7200).optional().openapi({ example: 60 }),
    instructions: z.string().trim().max(4000).optional(),
    equipment_used: EquipmentUsed.optional(),
    environment_notes: EnvironmentNotes.optional(),
    frame_size: FrameSize.optional(),
    video_content_type: z.enum(VIDEO_TYPES).default("video/mp4"),
    video_size_bytes: z.number().int().min(1).optional(),
  })
  .openapi("CreateExerciseSessionInput", {
    description:
      "Give the exercise by `exercise_type` (slug), `exercise_type_id` or `assignment_id`",
  });
export type CreateSessionInput = z.infer<typeof CreateSessionInput>;

export const UpdateSessionInput = z
  .object({
    scheduled_datetime: z.iso.datetime({ offset: true }).nullable(),
    estimated_duration: z.number().int().min(1).max(7200).nullable(),
    instructions: z.string().trim().max(4000).nullable(),
    equipment_used: EquipmentUsed.nullable(),
    environment_notes: EnvironmentNotes.nullable(),
    frame_size: FrameSize,
    status: SessionStatus,
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: "Give at least one field to change" })
  .openapi("UpdateExerciseSessionInput", {
    description:
      "Status moves one step along pending → recording → processing → review_pending → reviewed → " +
      "completed; only pending → recording and reviewed → completed are set here (409 otherwise)",
  });
export type UpdateSessionInput = z.infer<typeof UpdateSessionInput>;

export const SessionQuery = PageQuery.extend({
  patient_id: z.uuid().optional(),
  status: SessionStatus.optional(),
  exercise_type: z
    .string()
    .regex(/^[a-z0-9_]{1,60}$/)
    .optional(),
  assignment_id: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type SessionQuery = z.infer<typeof SessionQuery>;

/** `GET /patients/sessions`: the calling patient's own sessions, so no patient filter. */
export const OwnSessionQuery = SessionQuery.omit({ patient_id: true });
export type OwnSessionQuery = z.infer<typeof OwnSessionQuery>;

export const SessionIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

export const CreatedSession = z
  .object({
    session_id: z.string(),
    status: SessionStatus,
    upload_urls: z.object({
      video: z.string(),
      metadata: z.string(),
      video_upload: z
        .object({
          media_id: z.string(),
          method: z.literal("PUT"),
          headers: z.record(z.string(), z.string()),
          max_bytes: z.number(),
        })
        .nullable(),
    }),
    expires_at: z.string(),
  })
  .openapi("CreatedExerciseSession");

const Range = z.object({ min: z.number(), max: z.number(), avg: z.number() });

export const PoseSummary = z
  .object({
    frame_count: z.number().int(),
    sampling_rate: z.number().nullable(),
    frame_size: FrameSize.nullable(),
    aspect_assumed: z.boolean().nullable(),
    angle_source: z.string().nullable(),
    angle_ranges: z.record(z.string(), Range),
    rep_count: z.number().int().nullable(),
    partial_reps: z.number().int().nullable(),
    form_issues: z.array(z.record(z.string(), z.unknown())),
    quality_score: z.number().nullable(),
    tempo: z.unknown().nullable(),
    hold_seconds: z.number().nullable(),
    analyzed_at: z.string().nullable(),
  })
  .openapi("SessionPoseData");

export const SessionReviewView = z
  .object({
    id: z.string(),
    physiotherapist_id: z.string(),
    physiotherapist_name: z.string().nullable(),
    notes: z.string().nullable(),
    overall_assessment: z.string(),
    form_feedback: z.array(z.record(z.string(), z.unknown())),
    next_steps: z.record(z.string(), z.unknown()).nullable(),
    reviewed_at: z.string(),
  })
  .openapi("SessionReview");

export const SessionView = z
  .object({
    id: z.string(),
    patient_id: z.string(),
    patient_name: z.string().nullable(),
    exercise_type: z.string(),
    exercise_type_id: z.string(),
    exercise_name: z.string(),
    assignment_id: z.string().nullable(),
    status: SessionStatus,
    scheduled_datetime: z.string().nullable(),
    estimated_duration: z.number().nullable(),
    instructions: z.string().nullable(),
    equipment_used: z.array(z.string()),
    environment_notes: z.string().nullable(),
    start_time: z.string().nullable(),
    end_time: z.string().nullable(),
    duration_seconds: z.number().nullable(),
    video_media_id: z.string().nullable(),
    video_url: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("ExerciseSession");

export const SessionDetail = z
  .object({
    session: SessionView,
    pose_data: PoseSummary,
    review: SessionReviewView.nullable(),
  })
  .openapi("ExerciseSessionDetail", { description: "Seed 000 §3, the physio view" });

/** What a family member with the `session_summaries` scope sees: no notes, no pose data. */
export const SessionSummary = z
  .object({
    id: z.string(),
    patient_id: z.string(),
    exercise_type: z.string(),
    exercise_name: z.string(),
    status: SessionStatus,
    start_time: z.string().nullable(),
    duration_seconds: z.number().nullable(),
    rep_count: z.number().int().nullable(),
    quality_score: z.number().nullable(),
    overall_assessment: z.string().nullable(),
    summary_only: z.literal(true),
  })
  .openapi("ExerciseSessionSummary");

export const SessionListItem = z
  .union([SessionView.extend({ rep_count: z.number().nullable() }), SessionSummary])
  .openapi("ExerciseSessionListItem");
