/** Review queue, reviews (seed 000 §4), analytics and progress schemas. */
import { z } from "@hono/zod-openapi";
import { ASSESSMENTS } from "../../db/schema/sessions";
import { PageQuery } from "../../lib/pagination";

export const CreateReviewInput = z
  .object({
    session_id: z.uuid(),
    notes: z.string().trim().max(8000).optional(),
    overall_assessment: z.enum(ASSESSMENTS),
    form_feedback: z
      .array(
        z.object({
          timestamp: z.number().int().min(0).max(1e13).optional(),
          issue: z.string().trim().min(1).max(500),
          recommendation: z.string().trim().max(500).optional(),
          severity: z.enum(["LOW", "MEDIUM", "HIGH"]).optional(),
        }),
      )
      .max(50)
      .default([]),
    next_steps: z
      .object({
        recommended_exercises: z
          .array(
            z
              .string()
              .regex(/^[a-z0-9_]{1,60}$/)
              .max(60),
          )
          .max(20)
          .optional(),
        frequency: z.string().trim().max(100).optional(),
        follow_up_date: z.iso.datetime({ offset: true }).optional(),
      })
      .optional(),
  })
  .openapi("CreateSessionReviewInput");
export type CreateReviewInput = z.infer<typeof CreateReviewInput>;

export const ReviewQueueQuery = PageQuery.extend({
  patient_id: z.uuid().optional(),
  exercise_type: z
    .string()
    .regex(/^[a-z0-9_]{1,60}$/)
    .optional(),
});
export type ReviewQueueQuery = z.infer<typeof ReviewQueueQuery>;

export const PhysioPatient = z
  .object({
    id: z.string(),
    name: z.string(),
    mrn: z.string(),
    sessions_total: z.number().int(),
    sessions_pending_review: z.number().int(),
    last_session_at: z.string().nullable(),
  })
  .openapi("PhysioPatient");

export const AnalyticsQuery = z.object({
  patient_id: z.uuid().optional(),
  exercise_type: z
    .string()
    .regex(/^[a-z0-9_]{1,60}$/)
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

const Point = z.object({
  session_id: z.string(),
  date: z.string(),
  rep_count: z.number().nullable(),
  partial_reps: z.number().nullable(),
  quality_score: z.number().nullable(),
  range_of_motion: z.number().nullable(),
  status: z.string(),
});

export const ExerciseProgress = z
  .object({
    patient_id: z.string(),
    exercise_type: z.string(),
    exercise_name: z.string(),
    primary_joint: z.string(),
    sessions: z.number().int(),
    total_reps: z.number().int(),
    average_quality: z.number().nullable(),
    range_of_motion: z.object({
      first: z.number().nullable(),
      last: z.number().nullable(),
      best: z.number().nullable(),
    }),
    adherence: z
      .object({
        assigned_per_week: z.number().nullable(),
        expected_sessions: z.number().nullable(),
        completed_sessions: z.number().int(),
        rate: z.number().nullable(),
      })
      .nullable(),
    series: z.array(Point),
  })
  .openapi("ExerciseProgress");

export const Analytics = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    patients: z.number().int(),
    exercises: z.array(ExerciseProgress),
  })
  .openapi("SessionAnalytics");

export const ProgressQuery = z.object({
  exercise_type: z
    .string()
    .regex(/^[a-z0-9_]{1,60}$/)
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type ProgressQuery = z.infer<typeof ProgressQuery>;

export const PatientIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
