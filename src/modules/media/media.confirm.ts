/**
 * Marks a media object uploaded once its bytes are in R2. For Worker-signed uploads the PUT route
 * does it; for R2 presigned uploads (bytes sent straight to R2) the object is checked in R2 the
 * first time the media is read: present, within its size limit and of the declared type.
 *
 * Confirmation freezes the object: its size and SHA-256 are stored, the row leaves `pending`
 * (guarded, so of two racing confirmations one applies), and the `media.uploaded` entry is written
 * only by the one that applied (`changes() > 0` in the same batch). The object itself is created
 * once (create-only puts), so what was confirmed is what stays stored.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { mediaObjects, type MediaObjectRow } from "../../db/schema/media";
import { guardedWrite } from "../../lib/guarded-write";
import { toHex } from "../../lib/encoding";
import type { RequestContext } from "../../middleware/request-context";
import { frozenError, lockStateOf } from "./media.owners";
import { bareType } from "./media.purposes";
import { sha256OfObject } from "./media.stream";

const rowById = (ctx: RequestContext, row: MediaObjectRow) =>
  ctx.db.orm
    .select()
    .from(mediaObjects)
    .where(and(eq(mediaObjects.id, row.id), eq(mediaObjects.workspaceId, row.workspaceId)))
    .limit(1);

/**
 * Records stored bytes on a pending row and answers the row as it now stands: this
 * confirmation's, or, if another confirmed it first, that one's (null if the row is gone).
 * Guarded: only a pending row changes, and only while its owner's media are not frozen (a note
 * finalized or signed after the upload was issued: 409 naming its state, and the pending row is
 * left to the abandoned-upload cleanup). The `media.uploaded` entry is written only by the write
 * that made the change.
 */
export async function markUploaded(
  ctx: RequestContext,
  row: MediaObjectRow,
  stored: { sizeBytes: number; sha256: string },
  alongside: BatchItem<"sqlite">[] = [],
): Promise<MediaObjectRow | null> {
  const now = new Date().toISOString();
  const changes = {
    status: "uploaded" as const,
    sizeBytes: stored.sizeBytes,
    sha256: stored.sha256,
    multipartUploadId: null,
    uploadedAt: now,
    updatedAt: now,
  };
  const mine = and(eq(mediaObjects.id, row.id), eq(mediaObjects.workspaceId, row.workspaceId));
  const lock = lockStateOf(row.ownerKind);
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(mediaObjects)
      .set(changes)
      .where(and(mine, eq(mediaObjects.status, "pending"), lock ? isNull(lock) : undefined)),
    audit: {
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
    },
    // Clearing finished parts is right whichever write completed the upload.
    then: alongside,
  });
  if (!changed && lock) {
    const [[found]] = await ctx.db.read([
      ctx.db.orm.select({ state: lock }).from(mediaObjects).where(mine).limit(1),
    ]);
    if (found?.state) throw frozenError(row.ownerKind, found.state);
  }
  if (changed) return { ...row, ...changes };
  const [rows] = await ctx.db.read([rowById(ctx, row)]);
  return rows[0] ?? null;
}

/**
 * Confirms bytes that are in R2 but not yet recorded (a presigned upload, or a Worker upload whose
 * confirmation was lost): size and type checked, SHA-256 taken from R2's checksum or hashed from
 * the object. The row as it now stands.
 */
export async function confirmStoredObject(
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
  const sha256 = head.checksums.sha256
    ? toHex(head.checksums.sha256)
    : await sha256OfObject(ctx.env.MEDIA, row.objectKey);
  if (!sha256) return row;
  return (await markUploaded(ctx, row, { sizeBytes: head.size, sha256 })) ?? row;
}

/** Bytes sent straight to R2 by a presigned PUT: confirmed the first time the media is read. */
export const confirmPresignedUpload = confirmStoredObject;
