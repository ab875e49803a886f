/**
 * `PUT /uploads/{token}`: the bytes of a Worker-signed upload (a whole object, or one part of a
 * multipart upload) streamed into R2. The token is the credential: it binds media id, workspace,
 * object key, content type, maximum (and, when issued for a known size, exact) length and expiry.
 *
 * A whole object is written once: the put is create-only (R2 refuses it if the key holds an
 * object) and digest-checked by R2 when a SHA-256 is declared, so only a complete, checked body is
 * ever stored, and once confirmed (size and SHA-256 frozen on the row) it never changes. A PUT
 * repeated after that is hashed, not stored: the same bytes answer the stored result (a retry
 * after a lost response), other bytes 409. A part number's row is upserted (a retried part
 * replaces, never adds) until the multipart upload completes.
 */
import { and, eq } from "drizzle-orm";
import { mediaObjects, mediaUploadParts, type MediaObjectRow } from "../../db/schema/media";
import {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import { confirmStoredObject, markUploaded } from "./media.confirm";
import { expectedPartSize } from "./media.parts";
import { bareType } from "./media.purposes";
import {
  hashBody,
  parseSha256,
  StoreFailed,
  streamInto,
  TooLargeWhileStreaming,
} from "./media.stream";
import { verifyMediaToken, type MediaClaims } from "./media.tokens";

export type UploadRequest = {
  body: ReadableStream<Uint8Array> | null;
  contentType: string | undefined;
  contentLength: string | undefined;
  sha256: string | undefined;
};

const REASONS = {
  malformed: "Invalid upload URL",
  signature: "Invalid upload URL",
  operation: "Invalid upload URL",
  expired: "Upload URL has expired",
} as const;

/** Verifies an upload token; 403 for a forged, tampered, foreign or expired one. */
export async function uploadClaims(ctx: RequestContext, token: string) {
  const check = await verifyMediaToken(ctx.env.JWT_SECRET, token, ["put", "part"]);
  if (!check.ok) throw new ForbiddenError(REASONS[check.reason]);
  return check.claims;
}

/** The media row a token names (same id, workspace and key), or 404 (deleted, cleaned up). */
export async function rowOfClaims(ctx: RequestContext, claims: MediaClaims) {
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(mediaObjects)
      .where(and(eq(mediaObjects.id, claims.mid), eq(mediaObjects.workspaceId, claims.wid)))
      .limit(1),
  ]);
  const row = rows[0];
  if (!row || row.objectKey !== claims.key) throw new NotFoundError("Upload");
  return row;
}

/** The declared Content-Length: present, within the signed limit, and the signed size if any. */
function declaredLength(value: string | undefined, limit: number, exact?: number): number {
  if (value === undefined || !/^\d{1,16}$/.test(value)) {
    throw new ValidationError([
      { field: "content-length", message: "Required: the body's exact size in bytes" },
    ]);
  }
  const length = Number(value);
  if (length < 1) throw new ValidationError([{ field: "body", message: "Empty body" }]);
  if (length > limit) throw new PayloadTooLargeError(limit);
  if (exact !== undefined && length !== exact) {
    throw new ValidationError([
      { field: "content-length", message: `Must be exactly ${exact} bytes, as signed` },
    ]);
  }
  return length;
}

function declaredDigest(value: string | undefined) {
  const sha = parseSha256(value);
  if (sha === "invalid") {
    throw new ValidationError([
      { field: "x-content-sha256", message: "SHA-256 as 64 hex digits or base64" },
    ]);
  }
  return sha;
}

const digestMismatch = () =>
  new ValidationError([
    { field: "x-content-sha256", message: "Does not match the bytes received; send them again" },
  ]);

/**
 * Runs the store, turning an over-limit stream into a 413, and a complete body R2 refused whose
 * digest is not the `expected` one into the digest's 422 (nothing was stored).
 */
async function guarded<T>(
  run: () => Promise<T>,
  limit: number,
  expected: string | null = null,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TooLargeWhileStreaming) throw new PayloadTooLargeError(limit);
    if (error instanceof AppError) throw error;
    if (error instanceof StoreFailed && expected && error.sha256 !== expected) {
      throw digestMismatch();
    }
    throw new ValidationError([
      { field: "body", message: "The body ended early or did not match Content-Length" },
    ]);
  }
}

/** Receives the bytes of a token's upload; the stored result. */
export async function receiveUpload(ctx: RequestContext, token: string, req: UploadRequest) {
  const claims = await uploadClaims(ctx, token);
  return claims.op === "part" ? receivePart(ctx, claims, req) : receiveObject(ctx, claims, req);
}

async function receiveObject(ctx: RequestContext, claims: MediaClaims, req: UploadRequest) {
  if (bareType(req.contentType) !== claims.ct) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Content-Type must be ${claims.ct}`, [
      { field: "content-type", message: `Must be ${claims.ct}` },
    ]);
  }
  const length = declaredLength(req.contentLength, claims.max, claims.len);
  const expected = declaredDigest(req.sha256);
  const row = await rowOfClaims(ctx, claims);
  if (!req.body) throw new ValidationError([{ field: "body", message: "Empty body" }]);
  if (row.status === "uploaded") {
    const sent = await guarded(() => hashBody(req.body!, length, claims.max), claims.max);
    return replay(row, sent, expected);
  }
  const stored = await guarded(
    () =>
      streamInto(req.body!, length, claims.max, (stream) =>
        ctx.env.MEDIA.put(claims.key, stream, {
          httpMetadata: { contentType: claims.ct },
          // Create-only: an object already stored under this key is never replaced. With a
          // declared digest R2 checks it and stores nothing on a mismatch.
          onlyIf: { etagDoesNotMatch: "*" },
          ...(expected && { sha256: expected }),
        }),
      ),
    claims.max,
    expected,
  );
  const sent = { sizeBytes: stored.sizeBytes, sha256: stored.sha256 };
  // The key already held an object (a racing PUT, or one whose confirmation was lost): confirm
  // that object (it passed the same checks to be stored), then compare these bytes with it.
  const current = stored.result
    ? await markUploaded(ctx, row, sent)
    : await confirmStoredObject(ctx, row);
  if (!current) throw new NotFoundError("Upload");
  if (current.status !== "uploaded") {
    throw new ConflictError("Another upload of this object is in progress; try again");
  }
  return replay(current, sent, expected);
}

/**
 * A PUT to an upload that is confirmed (by this request or an earlier one): the same bytes (size
 * and SHA-256) answer the stored result; anything else is a 409 and the stored object stays.
 */
function replay(
  row: MediaObjectRow,
  sent: { sizeBytes: number; sha256: string },
  expected: string | null,
) {
  if (
    row.sizeBytes !== sent.sizeBytes ||
    row.sha256 !== sent.sha256 ||
    (expected && expected !== row.sha256)
  ) {
    throw new ConflictError("This upload is already complete with different content");
  }
  return uploadResult(row);
}

const uploadResult = (row: MediaObjectRow) => ({
  media_id: row.id,
  status: row.status,
  size_bytes: row.sizeBytes,
  sha256: row.sha256,
});

async function receivePart(ctx: RequestContext, claims: MediaClaims, req: UploadRequest) {
  const partNumber = claims.n!;
  const length = declaredLength(req.contentLength, claims.max);
  const expected = declaredDigest(req.sha256);
  const row = await rowOfClaims(ctx, claims);
  if (row.status !== "pending" || !row.multipartUploadId) {
    throw new ConflictError("This multipart upload is no longer open");
  }
  const size = expectedPartSize(row, partNumber);
  if (length !== size) {
    throw new ValidationError([
      { field: "content-length", message: `Part ${partNumber} must be exactly ${size} bytes` },
    ]);
  }
  if (!req.body) throw new ValidationError([{ field: "body", message: "Empty body" }]);
  const upload = ctx.env.MEDIA.resumeMultipartUpload(row.objectKey, row.multipartUploadId);
  const stored = await guarded(
    () =>
      streamInto(req.body!, length, claims.max, (stream) => upload.uploadPart(partNumber, stream)),
    claims.max,
  );
  const partKey = and(
    eq(mediaUploadParts.mediaId, row.id),
    eq(mediaUploadParts.workspaceId, row.workspaceId),
    eq(mediaUploadParts.partNumber, partNumber),
  );
  if (expected && expected !== stored.sha256) {
    // R2 now holds these bad bytes under this part number: forget the part so it is sent again.
    await ctx.db.write([ctx.db.orm.delete(mediaUploadParts).where(partKey)]);
    throw digestMismatch();
  }
  const values = {
    etag: stored.result.etag,
    sizeBytes: stored.sizeBytes,
    sha256: stored.sha256,
    createdAt: new Date().toISOString(),
  };
  await ctx.db.write([
    ctx.db.orm
      .insert(mediaUploadParts)
      .values({ mediaId: row.id, workspaceId: row.workspaceId, partNumber, ...values })
      .onConflictDoUpdate({
        target: [mediaUploadParts.mediaId, mediaUploadParts.partNumber],
        set: values,
      }),
  ]);
  return {
    media_id: row.id,
    part_number: partNumber,
    size_bytes: stored.sizeBytes,
    sha256: stored.sha256,
  };
}
