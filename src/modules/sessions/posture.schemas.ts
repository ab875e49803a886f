/** Posture analyses (seed 003): a still pose's landmarks in, a posture score out, kept. */
import { z } from "@hono/zod-openapi";
import { PageQuery } from "../../lib/pagination";
import { LandmarkInput } from "./pose.schemas";
import { FrameSize } from "./sessions.schemas";

export const CreatePostureInput = z
  .object({
    patient_id: z.uuid().optional().openapi({ description: "Defaults to the calling patient" }),
    landmarks: z.array(LandmarkInput).length(33, { message: "Exactly 33 BlazePose landmarks" }),
    frame_size: FrameSize.optional(),
    text: z.string().trim().max(4000).optional().openapi({ description: "Notes (encrypted)" }),
    media_id: z.uuid().optional().openapi({ description: "A posture_image upload" }),
  })
  .openapi("CreatePostureAnalysisInput");
export type CreatePostureInput = z.infer<typeof CreatePostureInput>;

export const PostureAnalysis = z
  .object({
    id: z.string(),
    analysis_id: z.string(),
    patient_id: z.string(),
    posture_score: z.number(),
    parts: z.record(z.string(), z.unknown()),
    cues: z.array(z.object({ code: z.string(), message: z.string() })),
    text: z.string().nullable(),
    media_id: z.string().nullable(),
    frame_size: FrameSize.nullable(),
    created_by: z.string(),
    created_at: z.string(),
  })
  .openapi("PostureAnalysis");

export const PostureQuery = PageQuery.extend({ patient_id: z.uuid().optional() });
export type PostureQuery = z.infer<typeof PostureQuery>;

export const PostureIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
