/** Request and response schemas of media uploads and downloads (seed 000 "generate-url"). */
import { z } from "@hono/zod-openapi";
import { MEDIA_PURPOSE_NAMES } from "./media.purposes";

export const MediaPurposeSchema = z.enum(MEDIA_PURPOSE_NAMES).openapi("MediaPurpose");

export const MediaOwnerSchema = z
  .object({
    kind: z
      .string()
      .regex(/^[a-z][a-z0-9_]{1,39}$/, "An owner kind such as patient, user, exercise_session")
      .openapi({ example: "patient" }),
    id: z.uuid(),
  })
  .openapi("MediaOwner");

const ContentType = z
  .string()
  .trim()
  .min(3)
  .max(100)
  .openapi({ example: "video/mp4", description: "Must be allowed for the purpose" });

export const GenerateUploadInput = z
  .object({
    purpose: MediaPurposeSchema,
    content_type: ContentType,
    size_bytes: z.number().int().min(1).optional().openapi({
      description: "Expected size in bytes; becomes the upload's limit (else the purpose's cap)",
    }),
    owner: MediaOwnerSchema,
  })
  .openapi("GenerateUploadInput");
export type GenerateUploadInput = z.infer<typeof GenerateUploadInput>;

export const IssuedUploadSchema = z
  .object({
    media_id: z.uuid(),
    upload_url: z.string().openapi({ description: "PUT the bytes here before expires_at" }),
    method: z.literal("PUT"),
    headers: z.record(z.string(), z.string()).openapi({ description: "Send these headers" }),
    max_bytes: z.number().int(),
    expires_at: z.string(),
  })
  .openapi("IssuedUpload");

export const MediaInfoSchema = z
  .object({
    id: z.uuid(),
    purpose: MediaPurposeSchema,
    owner_kind: z.string(),
    owner_id: z.string(),
    content_type: z.string(),
    size_bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    status: z.enum(["pending", "uploaded"]),
    created_at: z.string(),
  })
  .openapi("MediaInfo");

export const DownloadUrlQuery = z.object({
  ttl_seconds: z.coerce.number().int().min(1).max(86_400).optional(),
});

export const DownloadUrlSchema = z
  .object({ url: z.string(), expires_at: z.string(), media: MediaInfoSchema })
  .openapi("MediaDownloadUrl");
