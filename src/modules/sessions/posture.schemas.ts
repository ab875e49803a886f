/** Posture analyses (seed 003): a still pose's landmarks in, a posture score out, kept. */
import { z } from "@hono/zod-openapi";
import { PageQuery } from "../../lib/pagination";
import { LandmarkInput } from "./pose.schemas";
import { FrameSize } from "./sessions.schemas";

/**
 * Seed 003 `video_url`: a reference the client keeps, stored (encrypted) and returned, never
 * fetched by the server, so it cannot be turned against internal addresses (SSRF). Only an
 * https URL without credentials is taken.
 */
const VideoUrl = z
  .url({ protocol: /^https$/, message: "An https URL" })
  .max(2048)
  .refine((u) => !/^https:\/\/[^/]*@/i.test(u), { message: "No credentials in the URL" })
  .openapi({ example: "https://videos.example.com/posture/123.mp4" });

export const CreatePostureInput = z
  .object({
    patient_id: z.uuid().optional().openapi({ description: "Defaults to the calling patient" }),
    landmarks: z
      .array(LandmarkInput)
      .length(33, { message: "Exactly 33 BlazePose landmarks" })
      .optional()
      .openapi({ description: "When given, the posture is scored from them" }),
    frame_size: FrameSize.optional(),
    text: z.string().trim().max(4000).optional().openapi({ description: "Notes (encrypted)" }),
    video_url: VideoUrl.optional(),
    media_id: z.uuid().optional().openapi({
      description: "An uploaded image or video of this patient (posture_image, session video…)",
    }),
  })
  .refine((v) => v.video_url || v.media_id || v.landmarks, {
    message: "Give video_url, media_id or landmarks",
    path: ["video_url"],
  })
  .refine((v) => !(v.video_url && v.media_id), {
    message: "Give video_url or media_id, not both",
    path: ["media_id"],
  })
  .openapi("CreatePostureAnalysisInput", {
    description: "Seed 003: `{ video_url, text }`; landmarks optional",
  });
export type CreatePostureInput = z.infer<typeof CreatePostureInput>;

export const PostureAnalysis = z
  .object({
    id: z.string(),
    analysis_id: z.string(),
    patient_id: z.string(),
    posture_score: z.number().nullable().openapi({ description: "Null without landmarks" }),
    parts: z.record(z.string(), z.unknown()),
    cues: z.array(z.object({ code: z.string(), message: z.string() })),
    text: z.string().nullable(),
    media_id: z.string().nullable(),
    video_url: z.string().nullable(),
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
