/**
 * Media objects in R2 (videos, attachments, recordings, images) and the parts of their multipart
 * uploads.
 *
 * Invariants:
 * - A row exists from the moment an upload is issued (`pending`) and becomes `uploaded` only once
 *   its bytes are stored in R2 (size and, when given, SHA-256 checked). Nothing else is trusted.
 * - `object_key` is made of ids only (workspace, media id): never a name, a patient detail or a
 *   client-chosen string. Every query filters on `workspace_id`.
 * - `owner_kind`/`owner_id` name the object the media belongs to (a patient, a user, an exercise
 *   session, a chat…); the owning module's registered check decides who may read or write it.
 * - A multipart upload's R2 upload id lives in `multipart_upload_id` while it is open; each part
 *   stored is one `media_upload_parts` row (upserted, so a retried part replaces, never adds).
 * - `upload_expires_at` bounds a pending upload: cron removes pending rows past it (and their
 *   objects and open multipart uploads in R2).
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, id, timestamp, updatedAt, workspaceId } from "./columns";

export const MEDIA_STATUSES = ["pending", "uploaded"] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

export const MEDIA_UPLOAD_MODES = ["single", "multipart", "presigned"] as const;
export type MediaUploadMode = (typeof MEDIA_UPLOAD_MODES)[number];

export const mediaObjects = sqliteTable(
  "media_objects",
  {
    id: id(),
    workspaceId: workspaceId(),
    purpose: text("purpose").notNull(),
    ownerKind: text("owner_kind").notNull(),
    ownerId: text("owner_id").notNull(),
    /** The patient the media concerns, when the owner check named one (for audit and erasure). */
    patientId: text("patient_id"),
    contentType: text("content_type").notNull(),
    maxBytes: integer("max_bytes").notNull(),
    sizeBytes: integer("size_bytes"),
    sha256: text("sha256"),
    status: text("status", { enum: MEDIA_STATUSES }).notNull().default("pending"),
    uploadMode: text("upload_mode", { enum: MEDIA_UPLOAD_MODES }).notNull(),
    objectKey: text("object_key").notNull(),
    multipartUploadId: text("multipart_upload_id"),
    partSize: integer("part_size"),
    createdBy: text("created_by").notNull(),
    uploadExpiresAt: timestamp("upload_expires_at").notNull(),
    uploadedAt: timestamp("uploaded_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("media_objects_workspace_owner").on(t.workspaceId, t.ownerKind, t.ownerId),
    // The cron sweep: pending uploads past their expiry.
    index("media_objects_status_expiry").on(t.status, t.uploadExpiresAt),
  ],
);

export const mediaUploadParts = sqliteTable(
  "media_upload_parts",
  {
    mediaId: text("media_id").notNull(),
    workspaceId: workspaceId(),
    partNumber: integer("part_number").notNull(),
    etag: text("etag").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    sha256: text("sha256").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.mediaId, t.partNumber] })],
);

export type MediaObjectRow = typeof mediaObjects.$inferSelect;
