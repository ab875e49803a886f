/** Request and response schemas of media uploads and downloads (seed 000 "generate-url"). */
import { z } from "@hono/zod-openapi";
import { MAX_DOWNLOAD_TTL_SECONDS, MEDIA_PURPOSE_NAMES } from "./media.purposes";

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
  ttl_seconds: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_DOWNLOAD_TTL_SECONDS)
    .optional()
    .openapi({
      description: `Link lifetime in seconds (default 300, at most ${MAX_DOWNLOAD_TTL_SECONDS}); ask again for a new link`,
    }),
});

export const DownloadUrlSchema = z
  .object({ url: z.string(), expires_at: z.string(), media: MediaInfoSchema })
  .openapi("MediaDownloadUrl");

export const MediaTokenParam = z.object({
  token: z
    .string()
    .max(4096)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "A signed media token")
    .openapi({ param: { name: "token", in: "path" } }),
});

export const MediaIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

export const UploadHeaders = z.object({
  "x-content-sha256": z
    .string()
    .max(100)
    .optional()
    .openapi({
      param: { name: "x-content-sha256", in: "header" },
      description: "SHA-256 of the body (hex or base64); a mismatch is refused and not stored",
    }),
});

export const UploadResultSchema = z
  .object({
    media_id: z.uuid(),
    status: z.enum(["pending", "uploaded"]).optional(),
    part_number: z.number().int().optional(),
    size_bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
  })
  .openapi("UploadResult");

export const CreateMultipartInput = GenerateUploadInput.extend({
  size_bytes: z.number().int().min(1).openapi({ description: "The whole object's exact size" }),
  part_size: z.number().int().min(1).optional().openapi({
    description: "Bytes per part (every part but the last), 5 MiB to 95 MiB; default 16 MiB",
  }),
}).openapi("CreateMultipartUploadInput");

const PartUrl = z.object({
  part_number: z.number().int(),
  size_bytes: z.number().int(),
  url: z.string(),
});

export const MultipartUploadSchema = z
  .object({
    media_id: z.uuid(),
    size_bytes: z.number().int(),
    part_size: z.number().int(),
    part_count: z.number().int(),
    parts: z.array(PartUrl).openapi({ description: "PUT each part's bytes to its URL" }),
    expires_at: z.string(),
  })
  .openapi("MultipartUpload");

export const UploadPartsSchema = z
  .object({
    media_id: z.uuid(),
    status: z.enum(["pending", "uploaded"]),
    part_size: z.number().int().nullable(),
    part_count: z.number().int(),
    parts: z.array(
      z.object({ part_number: z.number().int(), size_bytes: z.number().int(), sha256: z.string() }),
    ),
    missing: z.array(PartUrl).openapi({ description: "Parts still to send, with fresh URLs" }),
    expires_at: z.string(),
  })
  .openapi("MultipartUploadParts");

export const CompleteMultipartInput = z
  .object({
    sha256: z.string().max(100).optional().openapi({
      description: "SHA-256 of the whole object (hex or base64); checked against what R2 holds",
    }),
  })
  .openapi("CompleteMultipartUploadInput");
