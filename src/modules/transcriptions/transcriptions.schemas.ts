/** Transcriptions of recorded audio: request and response shapes. */
import { z } from "@hono/zod-openapi";

export const CreateTranscriptionInput = z
  .object({
    media_id: z
      .string()
      .min(1)
      .max(64)
      .openapi({ description: "An uploaded audio or video media object the caller may read" }),
  })
  .openapi("CreateTranscriptionInput");
export type CreateTranscriptionInput = z.infer<typeof CreateTranscriptionInput>;

export const TranscriptSegment = z
  .object({
    id: z.string().openapi({ description: "Span id (s1, s2…) that scribe sources cite" }),
    start: z.number().openapi({ description: "Seconds from the start" }),
    end: z.number(),
    text: z.string(),
  })
  .openapi("TranscriptSegment");

export const Transcript = z
  .object({
    id: z.string(),
    media_id: z.string(),
    patient_id: z.string().nullable(),
    text: z.string(),
    segments: z.array(TranscriptSegment),
    language: z.string().nullable(),
    duration_seconds: z.number().nullable(),
    provider: z.string(),
    model: z.string(),
    created_by: z.string(),
    created_at: z.string(),
  })
  .openapi("Transcript");
export type Transcript = z.infer<typeof Transcript>;

export const TranscriptIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

/** `?force=true` on the seed's transcribe routes (messages, calls): run the model again. */
export const TranscribeQuery = z.object({
  force: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => v === "true" || v === "1")
    .openapi({
      param: { name: "force", in: "query" },
      description: "Run the model again even when a transcript is stored",
    }),
});
