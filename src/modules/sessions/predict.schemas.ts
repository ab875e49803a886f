/** Motion prediction and videos (seed 004): a "video" is a session's recording with its frames. */
import { z } from "@hono/zod-openapi";
import { PageQuery } from "../../lib/pagination";

export const PredictInput = z
  .object({
    session_id: z
      .uuid()
      .openapi({ description: "The session (video) whose pose frames to classify" }),
    exercise_id: z.uuid().optional().openapi({
      description: "The assignment to match against; defaults to the session's own",
    }),
  })
  .openapi("PredictInput");
export type PredictInput = z.infer<typeof PredictInput>;

export const Prediction = z
  .object({
    id: z.string(),
    video_id: z.string(),
    exercise_id: z.string().nullable(),
    patient_id: z.string(),
    expected_motion: z.string().nullable(),
    predicted_motion: z.string(),
    confidence_score: z.number(),
    is_match: z.boolean().nullable(),
    model_name: z.string(),
    raw_results: z.object({ ranking: z.array(z.object({ slug: z.string(), score: z.number() })) }),
    created_at: z.string(),
  })
  .openapi("MotionPrediction");

export const Video = z
  .object({
    id: z.string(),
    patient_id: z.string(),
    exercise_id: z.string().nullable(),
    exercise_type: z.string(),
    media_id: z.string().nullable(),
    video_url: z.string().nullable(),
    status: z.enum(["Pending", "Uploaded", "Processed"]),
    frame_count: z.number().int(),
    upload_date: z.string(),
    prediction: Prediction.nullable(),
  })
  .openapi("ExerciseVideo");

export const VideoIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
export const VideoPatientParam = z.object({
  patient_id: z.uuid().openapi({ param: { name: "patient_id", in: "path" } }),
});
export const VideoExerciseParam = z.object({
  exercise_id: z.uuid().openapi({ param: { name: "exercise_id", in: "path" } }),
});
export const VideoQuery = PageQuery;
