/**
 * Multipart uploads for long videos and recordings: create (an R2 multipart upload and signed part
 * URLs), list stored parts (a client that lost its connection resumes from there, with fresh URLs
 * for the missing parts), complete (with a whole-object SHA-256 check when given), abort.
 * The parts stored are tracked in D1: R2's binding cannot list them.
 */
import { and, asc, eq } from "drizzle-orm";
import { mediaObjects, mediaUploadParts, type MediaObjectRow } from "../../db/schema/media";
import { auditEntry } from "../../lib/audit";
import { ConflictError, NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessMedia } from "./media.access";
import { markUploaded } from "./media.confirm";
import { checkMediaOwner } from "./media.owners";
import { expectedPartSize, partCountOf } from "./media.parts";
import {
  DEFAULT_PART_BYTES,
  MAX_PARTS,
  MAX_PART_BYTES,
  MIN_PART_BYTES,
  MULTIPART_TTL_SECONDS,
} from "./media.purposes";
import {
  absoluteUrl,
  enforceUploadUrlLimit,
  objectKeyOf,
  presentMedia,
  uploadLimit,
  type IssueUploadInput,
} from "./media.service";
import { parseSha256, sha256OfObject } from "./media.stream";
import { signMediaToken } from "./media.tokens";

export type CreateMultipartInput = IssueUploadInput & { size_bytes: number; part_size?: number };

/** Signed PUT URLs for the given parts, valid until the upload's expiry. */
async function partUrls(ctx: RequestContext, row: MediaObjectRow, numbers: number[]) {
  const exp = Math.floor(Date.parse(row.uploadExpiresAt) / 1000);
  return Promise.all(
    numbers.map(async (n) => {
      const size = expectedPartSize(row, n);
      const token = await signMediaToken(ctx.env.JWT_SECRET, {
        op: "part",
        mid: row.id,
        wid: row.workspaceId,
        key: row.objectKey,
        ct: row.contentType,
        max: size,
        n,
        exp,
      });
      return {
        part_number: n,
        size_bytes: size,
        url: absoluteUrl(ctx, `/api/v1/uploads/${token}`),
      };
    }),
  );
}

const range = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

/**
 * Opens a multipart upload for a media object of `size_bytes` (write access to the owner checked,
 * within the caller's upload-URL rate limit) and answers a signed URL per part. Audited as
 * `media.created`.
 */
export async function createMultipartUpload(ctx: RequestContext, input: CreateMultipartInput) {
  const caller = callerOf(ctx);
  await enforceUploadUrlLimit(ctx);
  const { contentType, maxBytes } = uploadLimit(input, false);
  const partSize = input.part_size ?? Math.max(DEFAULT_PART_BYTES, Math.ceil(maxBytes / MAX_PARTS));
  if (
    partSize < MIN_PART_BYTES ||
    partSize > MAX_PART_BYTES ||
    partCountOf(maxBytes, partSize) > MAX_PARTS
  ) {
    throw new ValidationError([
      {
        field: "part_size",
        message: `Between ${MIN_PART_BYTES} and ${MAX_PART_BYTES} bytes, at most ${MAX_PARTS} parts`,
      },
    ]);
  }
  const { patientId } = await checkMediaOwner(ctx, input.owner, "write");
  const id = uuidv7();
  const key = objectKeyOf(caller.workspaceId, id);
  const upload = await ctx.env.MEDIA.createMultipartUpload(key, {
    httpMetadata: { contentType },
  });
  const now = new Date();
  const row: MediaObjectRow = {
    id,
    workspaceId: caller.workspaceId,
    purpose: input.purpose,
    ownerKind: input.owner.kind,
    ownerId: input.owner.id,
    patientId,
    contentType,
    maxBytes,
    sizeBytes: null,
    sha256: null,
    status: "pending",
    uploadMode: "multipart",
    objectKey: key,
    multipartUploadId: upload.uploadId,
    partSize,
    createdBy: caller.userId,
    uploadExpiresAt: new Date(now.getTime() + MULTIPART_TTL_SECONDS * 1000).toISOString(),
    uploadedAt: null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await ctx.db.write([
    ctx.db.orm.insert(mediaObjects).values(row),
    (
      await auditEntry(ctx, {
        action: "media.created",
        resourceType: "media",
        resourceId: id,
        metadata: {
          purpose: input.purpose,
          owner_kind: input.owner.kind,
          owner_id: input.owner.id,
          patient_id: patientId,
          max_bytes: maxBytes,
          multipart: true,
        },
      })
    ).query,
  ]);
  const count = partCountOf(maxBytes, partSize);
  return {
    media_id: id,
    size_bytes: maxBytes,
    part_size: partSize,
    part_count: count,
    parts: await partUrls(ctx, row, range(count)),
    expires_at: row.uploadExpiresAt,
  };
}

/**
 * The multipart upload, for its uploader only: part URLs, the parts list, completion and abort
 * are not the owner's business but the uploading device's. Anyone else (same workspace and
 * write access to the owner included) gets the 404 of an unknown id.
 */
async function openUpload(ctx: RequestContext, mediaId: string) {
  const row = await accessMedia(ctx, mediaId, "write", { uploaderOnly: true });
  if (row.uploadMode !== "multipart") throw new ConflictError("Not a multipart upload");
  return row;
}

const storedParts = (ctx: RequestContext, row: MediaObjectRow) =>
  ctx.db.orm
    .select({
      part_number: mediaUploadParts.partNumber,
      size_bytes: mediaUploadParts.sizeBytes,
      sha256: mediaUploadParts.sha256,
      etag: mediaUploadParts.etag,
    })
    .from(mediaUploadParts)
    .where(
      and(eq(mediaUploadParts.mediaId, row.id), eq(mediaUploadParts.workspaceId, row.workspaceId)),
    )
    .orderBy(asc(mediaUploadParts.partNumber));

/**
 * The parts stored so far and fresh URLs for the missing ones: how a client that lost its
 * connection resumes. The uploader only, with write access to the owner still.
 */
export async function listUploadParts(ctx: RequestContext, mediaId: string) {
  const row = await openUpload(ctx, mediaId);
  const count = partCountOf(row.maxBytes, row.partSize ?? row.maxBytes);
  const open = row.status === "pending" && row.multipartUploadId !== null;
  const parts = open ? await storedParts(ctx, row) : [];
  const have = new Set(parts.map((p) => p.part_number));
  const missing = open ? range(count).filter((n) => !have.has(n)) : [];
  return {
    media_id: row.id,
    status: row.status,
    part_size: row.partSize,
    part_count: count,
    parts: parts.map(({ etag: _etag, ...part }) => part),
    missing: await partUrls(ctx, row, missing),
    expires_at: row.uploadExpiresAt,
  };
}

/**
 * Completes a multipart upload once every part is stored. With `sha256`, the whole object is
 * hashed from R2 and must match, else it is discarded (422) and the upload must start again.
 * Repeating a successful completion answers the same result.
 */
export async function completeMultipartUpload(
  ctx: RequestContext,
  mediaId: string,
  input: { sha256?: string },
) {
  const expected = parseSha256(input.sha256);
  if (expected === "invalid") {
    throw new ValidationError([{ field: "sha256", message: "SHA-256 as 64 hex digits or base64" }]);
  }
  const row = await openUpload(ctx, mediaId);
  if (row.status === "uploaded") {
    if (expected && expected !== row.sha256) {
      throw new ConflictError("This upload is already complete with different content");
    }
    return presentMedia(row);
  }
  if (!row.multipartUploadId) throw new ConflictError("This multipart upload is no longer open");
  const parts = await storedParts(ctx, row);
  const count = partCountOf(row.maxBytes, row.partSize ?? row.maxBytes);
  const have = new Set(parts.map((p) => p.part_number));
  const missing = range(count).filter((n) => !have.has(n));
  if (missing.length) {
    throw new ConflictError("Parts are missing", { missing_parts: missing.slice(0, 100) });
  }
  const upload = ctx.env.MEDIA.resumeMultipartUpload(row.objectKey, row.multipartUploadId);
  const object = await upload.complete(
    parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })),
  );
  const sha256 = await sha256OfObject(ctx.env.MEDIA, row.objectKey);
  const clearParts = ctx.db.orm
    .delete(mediaUploadParts)
    .where(
      and(eq(mediaUploadParts.mediaId, row.id), eq(mediaUploadParts.workspaceId, row.workspaceId)),
    );
  if (!sha256 || (expected && expected !== sha256)) {
    await ctx.env.MEDIA.delete(row.objectKey);
    await ctx.db.write([
      clearParts,
      ctx.db.orm
        .update(mediaObjects)
        .set({ multipartUploadId: null, updatedAt: new Date().toISOString() })
        .where(and(eq(mediaObjects.id, row.id), eq(mediaObjects.workspaceId, row.workspaceId))),
    ]);
    throw new ValidationError([
      { field: "sha256", message: "Does not match the assembled object; upload it again" },
    ]);
  }
  const done = await markUploaded(ctx, row, { sizeBytes: object.size, sha256 }, [clearParts]);
  if (!done) throw new NotFoundError("Media");
  return presentMedia(done);
}

/** Aborts an open multipart upload: R2 drops its parts; the media object is removed. */
export async function abortMultipartUpload(ctx: RequestContext, mediaId: string) {
  const row = await openUpload(ctx, mediaId);
  if (row.status === "uploaded") throw new ConflictError("This upload is already complete");
  if (row.multipartUploadId) {
    try {
      await ctx.env.MEDIA.resumeMultipartUpload(row.objectKey, row.multipartUploadId).abort();
    } catch {
      // Already aborted (a retried abort): nothing left in R2.
    }
  }
  const mine = (t: typeof mediaObjects | typeof mediaUploadParts) =>
    eq(t.workspaceId, row.workspaceId);
  await ctx.db.write([
    ctx.db.orm
      .delete(mediaUploadParts)
      .where(and(eq(mediaUploadParts.mediaId, row.id), mine(mediaUploadParts))),
    ctx.db.orm.delete(mediaObjects).where(and(eq(mediaObjects.id, row.id), mine(mediaObjects))),
    (
      await auditEntry(ctx, {
        action: "media.aborted",
        resourceType: "media",
        resourceId: row.id,
        metadata: { purpose: row.purpose, patient_id: row.patientId },
      })
    ).query,
  ]);
}
