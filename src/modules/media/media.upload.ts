/**
 * `PUT /uploads/{token}`: the bytes of a Worker-signed upload (a whole object, or one part of a
 * multipart upload) streamed into R2. The token is the credential: it binds media id, workspace,
 * object key, content type, maximum size and expiry. Retries are safe: the key is fixed per media
 * object (an object is replaced, never duplicated), a part number's row is upserted, and a PUT
 * repeated after success answers the stored result without writing again.
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
import { markUploaded } from "./media.confirm";
import { expectedPartSize } from "./media.parts";
import { bareType } from "./media.purposes";
import { parseSha256, streamInto, TooLargeWhileStreaming } from "./media.stream";
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

function declaredLength(value: string | undefined, limit: number): number {
  if (value === undefined || !/^\d{1,16}$/.test(value)) {
    throw new ValidationError([
      { field: "content-length", message: "Required: the body's exact size in bytes" },
    ]);
  }
  const length = Number(value);
  if (length < 1) throw new ValidationError([{ field: "body", message: "Empty body" }]);
  if (length > limit) throw new PayloadTooLargeError(limit);
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

/** Runs the store, turning an over-limit stream into a 413. */
async function guarded<T>(run: () => Promise<T>, limit: number): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TooLargeWhileStreaming) throw new PayloadTooLargeError(limit);
    if (error instanceof AppError) throw error;
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
  const length = declaredLength(req.contentLength, claims.max);
  const expected = declaredDigest(req.sha256);
  const row = await rowOfClaims(ctx, claims);
  if (row.status === "uploaded") return replay(row, length, expected);
  if (!req.body) throw new ValidationError([{ field: "body", message: "Empty body" }]);
  const stored = await guarded(
    () =>
      streamInto(req.body!, length, claims.max, (stream) =>
        ctx.env.MEDIA.put(claims.key, stream, { httpMetadata: { contentType: claims.ct } }),
      ),
    claims.max,
  );
  if (expected && expected !== stored.sha256) {
    await ctx.env.MEDIA.delete(claims.key);
    throw digestMismatch();
  }
  const done = await markUploaded(ctx, row, { sizeBytes: stored.sizeBytes, sha256: stored.sha256 });
  return uploadResult(done);
}

/** A repeated PUT of an uploaded object: the same bytes answer the stored result, others 409. */
function replay(row: MediaObjectRow, length: number, expected: string | null) {
  if (row.sizeBytes !== length || (expected && expected !== row.sha256)) {
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
