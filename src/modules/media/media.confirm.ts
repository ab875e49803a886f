/**
 * Marks a media object uploaded once its bytes are in R2. For Worker-signed uploads the PUT route
 * does it; for R2 presigned uploads (bytes sent straight to R2) the object is checked in R2 the
 * first time the media is read: present, within its size limit and of the declared type.
 */
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { mediaObjects, type MediaObjectRow } from "../../db/schema/media";
import { auditEntry } from "../../lib/audit";
import { toHex } from "../../lib/encoding";
import type { RequestContext } from "../../middleware/request-context";
import { bareType } from "./media.purposes";

/** Records stored bytes on a pending row (guarded: only a pending row changes); the new row. */
export async function markUploaded(
  ctx: RequestContext,
  row: MediaObjectRow,
  stored: { sizeBytes: number; sha256: string | null },
  alongside: BatchItem<"sqlite">[] = [],
): Promise<MediaObjectRow> {
  const now = new Date().toISOString();
  const changes = {
    status: "uploaded" as const,
    sizeBytes: stored.sizeBytes,
    sha256: stored.sha256,
    multipartUploadId: null,
    uploadedAt: now,
    updatedAt: now,
  };
  await ctx.db.write([
    ctx.db.orm
      .update(mediaObjects)
      .set(changes)
      .where(
        and(
          eq(mediaObjects.id, row.id),
          eq(mediaObjects.workspaceId, row.workspaceId),
          eq(mediaObjects.status, "pending"),
        ),
      ),
    (
      await auditEntry(ctx, {
        action: "media.uploaded",
        resourceType: "media",
        resourceId: row.id,
        workspaceId: row.workspaceId,
        // Token uploads carry no bearer: the actor is whoever was issued the URL.
        actorId: ctx.caller?.userId ?? row.createdBy,
        metadata: {
          purpose: row.purpose,
          patient_id: row.patientId,
          size_bytes: stored.sizeBytes,
          mode: row.uploadMode,
        },
      })
    ).query,
    ...alongside,
  ]);
  return { ...row, ...changes };
}

export async function confirmPresignedUpload(
  ctx: RequestContext,
  row: MediaObjectRow,
): Promise<MediaObjectRow> {
  const head = await ctx.env.MEDIA.head(row.objectKey);
  if (!head) return row;
  const type = bareType(head.httpMetadata?.contentType);
  if (head.size > row.maxBytes || type !== row.contentType) {
    // Not what was issued: drop it; the client may upload again while the URL is valid.
    await ctx.env.MEDIA.delete(row.objectKey);
    return row;
  }
  const sha256 = head.checksums.sha256 ? toHex(head.checksums.sha256) : null;
  return markUploaded(ctx, row, { sizeBytes: head.size, sha256 });
}
