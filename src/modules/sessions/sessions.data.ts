/**
 * Reading and shaping session rows: the only place that knows which session and review fields
 * are encrypted (instructions, equipment used, environment notes; review notes, feedback and next
 * steps), each bound to its row.
 */
import type { exerciseSessions, sessionReviews } from "../../db/schema/sessions";
import type { PhiCipher } from "../../lib/crypto/phi";

export type SessionRow = typeof exerciseSessions.$inferSelect;
export type ReviewRow = typeof sessionReviews.$inferSelect;
export type TypeInfo = { slug: string; name: string };

export const sessionRef = (id: string, column: string) => ({
  table: "exercise_sessions",
  column,
  rowId: id,
});
export const reviewRef = (id: string, column: string) => ({
  table: "session_reviews",
  column,
  rowId: id,
});

/** The analysis fields a presenter reads (the stored JSON is the analysis module's output). */
type StoredAnalysis = {
  sampling_rate?: number;
  aspect_assumed?: boolean;
  angle_source?: string;
  angle_ranges?: Record<string, { min: number; max: number; avg: number }>;
  rep_count?: number;
  partial_reps?: number;
  form_issues?: Record<string, unknown>[];
  quality_score?: number;
  tempo?: unknown;
  hold_seconds?: number | null;
};

export const analysisOf = (row: SessionRow) => (row.analysis ?? null) as StoredAnalysis | null;

export const durationSeconds = (row: SessionRow) =>
  row.firstFrameMs !== null && row.lastFrameMs !== null
    ? Math.round((row.lastFrameMs - row.firstFrameMs) / 100) / 10
    : null;

/** Seed 000 §3 `session`. `video_url` is filled by the caller (a short-lived signed link). */
export async function presentSession(
  phi: PhiCipher,
  row: SessionRow,
  type: TypeInfo,
  extra: { patientName?: string | null; videoUrl?: string | null } = {},
) {
  return {
    id: row.id,
    patient_id: row.patientId,
    patient_name: extra.patientName ?? null,
    exercise_type: type.slug,
    exercise_type_id: row.exerciseTypeId,
    exercise_name: type.name,
    assignment_id: row.assignmentId,
    status: row.status,
    scheduled_datetime: row.scheduledAt,
    estimated_duration: row.estimatedDurationS,
    instructions: await phi.decryptOptional(
      row.instructionsEnc,
      sessionRef(row.id, "instructions"),
    ),
    equipment_used: JSON.parse(
      (await phi.decryptOptional(row.equipmentUsedEnc, sessionRef(row.id, "equipment_used"))) ??
        "[]",
    ) as string[],
    environment_notes: await phi.decryptOptional(
      row.environmentNotesEnc,
      sessionRef(row.id, "environment_notes"),
    ),
    start_time: row.startedAt,
    end_time: row.endedAt,
    duration_seconds: durationSeconds(row),
    video_media_id: row.videoMediaId,
    video_url: extra.videoUrl ?? null,
    created_by: row.createdBy,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Seed 000 §3 `pose_data`: the server's analysis, or the stored counts before it ran. */
export function presentPoseData(row: SessionRow) {
  const a = analysisOf(row);
  return {
    frame_count: row.frameCount,
    sampling_rate: a?.sampling_rate ?? null,
    frame_size:
      row.frameWidth && row.frameHeight ? { width: row.frameWidth, height: row.frameHeight } : null,
    aspect_assumed: a?.aspect_assumed ?? null,
    angle_source: a?.angle_source ?? null,
    angle_ranges: a?.angle_ranges ?? {},
    rep_count: a?.rep_count ?? null,
    partial_reps: a?.partial_reps ?? null,
    form_issues: a?.form_issues ?? [],
    quality_score: a?.quality_score ?? null,
    tempo: a?.tempo ?? null,
    hold_seconds: a?.hold_seconds ?? null,
    analyzed_at: row.analyzedAt,
  };
}

/** Seed 000 §3 `review`, decrypted. */
export async function presentReview(phi: PhiCipher, r: ReviewRow, reviewerName: string | null) {
  const dec = (column: string, value: string | null) =>
    phi.decryptOptional(value, reviewRef(r.id, column));
  const [notes, feedback, nextSteps] = await Promise.all([
    dec("notes", r.notesEnc),
    dec("form_feedback", r.formFeedbackEnc),
    dec("next_steps", r.nextStepsEnc),
  ]);
  return {
    id: r.id,
    physiotherapist_id: r.reviewerId,
    physiotherapist_name: reviewerName,
    notes,
    overall_assessment: r.overallAssessment,
    form_feedback: feedback ? (JSON.parse(feedback) as Record<string, unknown>[]) : [],
    next_steps: nextSteps ? (JSON.parse(nextSteps) as Record<string, unknown>) : null,
    reviewed_at: r.reviewedAt,
  };
}

/** What family with the `session_summaries` scope sees: outcome only, no free text, no frames. */
export function presentSummary(row: SessionRow, type: TypeInfo, assessment: string | null) {
  return {
    id: row.id,
    patient_id: row.patientId,
    exercise_type: type.slug,
    exercise_name: type.name,
    status: row.status,
    start_time: row.startedAt,
    duration_seconds: durationSeconds(row),
    rep_count: row.repCount,
    quality_score: row.qualityScore,
    overall_assessment: assessment,
    summary_only: true as const,
  };
}

/** The encrypted columns of `equipment_used` and `environment_notes` (undefined: unchanged). */
export async function contextColumns(
  phi: PhiCipher,
  id: string,
  input: { equipment_used?: string[] | null; environment_notes?: string | null },
) {
  const out: { equipmentUsedEnc?: string | null; environmentNotesEnc?: string | null } = {};
  if (input.equipment_used !== undefined)
    out.equipmentUsedEnc = input.equipment_used?.length
      ? await phi.encrypt(JSON.stringify(input.equipment_used), sessionRef(id, "equipment_used"))
      : null;
  if (input.environment_notes !== undefined)
    out.environmentNotesEnc = await phi.encryptOptional(
      input.environment_notes || null,
      sessionRef(id, "environment_notes"),
    );
  return out;
}
