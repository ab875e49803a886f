/**
 * The media contract other modules code against (sessions, chats, notes, calls, posture): they
 * attach media to their own objects through these verbs and never touch R2 keys themselves.
 * Access to an owner is decided by the owner kind's registered check (media.owners.ts).
 */
import { and, eq, isNull, notExists } from "drizzle-orm";
import { mediaObjects, mediaUploadParts, type MediaObjectRow } from "../../db/schema/media";
import { auditEntry, recordAudit } from "../../lib/audit";
import { guardedWrite } from "../../lib/guarded-write";
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import type { Bindings } from "../../env";
import { callerOf } from "../../middleware/auth";
import { enforceRateLimit, LIMITS, perMinuteLimit } from "../../middleware/rate-limit";
import type { RequestContext } from "../../middleware/request-context";
import { confirmPresignedUpload } from "./media.confirm";
import { checkMediaOwner, frozenError, lockStateOf, type MediaOwner } from "./media.owners";
import { presignR2Object, r2Credentials } from "./media.presign";
import {
  DOWNLOAD_TTL_SECONDS,
  MAX_DOWNLOAD_TTL_SECONDS,
  MEDIA_PURPOSES,
  SINGLE_PUT_MAX_BYTES,
  UPLOAD_TTL_SECONDS,
  allowsOwner,
  allowsType,
  bareType,
  type MediaPurpose,
} from "./media.purposes";
import { signMediaToken } from "./media.tokens";

export { type MediaAccessMode, type MediaOwnerCheck, type MediaOwner } from "./media.owners";
export { MEDIA_PURPOSES, type MediaPurpose } from "./media.purposes";

export type IssueUploadInput = {
  purpose: MediaPurpose;
  content_type: string;
  /** Expected size; becomes the upload's limit. Without it, the purpose's cap (single PUT). */
  size_bytes?: number;
  owner: MediaOwner;
};

export type IssuedUpload = {
  media_id: string;
  upload_url: string;
  method: "PUT";
  headers: Record<string, string>;
  max_bytes: number;
  expires_at: string;
};

export type MediaInfo = {
  id: string;
  purpose: MediaPurpose;
  owner_kind: string;
  owner_id: string;
  content_type: string;
  size_bytes: number | null;
  sha256: string | null;
  status: "pending" | "uploaded";
  created_at: string;
};

/** Ids only: nothing in a key tells anything about a patient. */
export const objectKeyOf = (workspaceId: string, mediaId: string) =>
  `media/${workspaceId}/${mediaId}`;

export const absoluteUrl = (ctx: RequestContext, path: string) =>
  new URL(path, ctx.env.APP_BASE_URL).toString();

/**
 * Checks purpose, content type and size against the purpose's rules; the limit an upload gets.
 * `singlePut` also caps it at what one PUT through the Worker may carry.
 */
export function uploadLimit(
  input: Pick<IssueUploadInput, "purpose" | "content_type" | "size_bytes" | "owner">,
  singlePut: boolean,
): { contentType: string; maxBytes: number } {
  const issues: FieldIssue[] = [];
  const rules = MEDIA_PURPOSES[input.purpose];
  if (!rules) {
    throw new ValidationError([
      { field: "purpose", message: `One of: ${Object.keys(MEDIA_PURPOSES).join(", ")}` },
    ]);
  }
  if (!allowsOwner(input.purpose, input.owner.kind)) {
    issues.push({
      field: "owner.kind",
      message: `For ${input.purpose}: one of ${rules.owners.join(", ")}`,
    });
  }
  const contentType = bareType(input.content_type);
  if (!allowsType(input.purpose, contentType)) {
    issues.push({
      field: "content_type",
      message: `For ${input.purpose}: one of ${rules.contentTypes.join(", ")}`,
    });
  }
  const size = input.size_bytes;
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 1 || size > rules.maxBytes)) {
    issues.push({ field: "size_bytes", message: `Between 1 and ${rules.maxBytes} bytes` });
  } else if (singlePut && size !== undefined && size > SINGLE_PUT_MAX_BYTES) {
    issues.push({
      field: "size_bytes",
      message: `Above ${SINGLE_PUT_MAX_BYTES} bytes: use a multipart upload`,
    });
  }
  if (issues.length) throw new ValidationError(issues);
  const cap = singlePut ? Math.min(rules.maxBytes, SINGLE_PUT_MAX_BYTES) : rules.maxBytes;
  return { contentType, maxBytes: size ?? cap };
}

/** Upload-URL requests per user: `UPLOAD_URL_RATE_PER_MINUTE` (default 10). */
export const uploadUrlLimit = (env: Bindings) =>
  perMinuteLimit(env.UPLOAD_URL_RATE_PER_MINUTE, LIMITS.uploadUrl);

/** Refuses (429, naming the limit) a user's upload-URL request past the per-minute limit. */
export async function enforceUploadUrlLimit(ctx: RequestContext) {
  const caller = callerOf(ctx);
  await enforceRateLimit(ctx, `upload-url:user:${caller.userId}`, uploadUrlLimit(ctx.env), {
    name: "upload-url",
  });
}

/**
 * `POST /upload/generate-url`: an upload URL for a new media object, within the caller's
 * upload-URL rate limit (modules issuing uploads as part of their own verbs call `issueUpload`).
 */
export async function generateUploadUrl(ctx: RequestContext, input: IssueUploadInput) {
  await enforceUploadUrlLimit(ctx);
  return issueUpload(ctx, input);
}

/**
 * Issues an upload for a new media object owned by `owner` (write access checked by the owner's
 * registered check): a pending `media_objects` row with a key of its own, and a URL the client PUTs
 * the bytes to. The URL is `/api/v1/uploads/{token}` signed by the Worker, or an R2 presigned URL
 * when R2 API credentials are configured. Either way the URL binds the content type, the exact
 * length when `size_bytes` is given (R2 checks the signed `content-length`; the Worker the token's
 * `len`), and creates the object only once (`if-none-match: *` for R2, a create-only put in the
 * Worker), so a confirmed upload is never overwritten. Audited as `media.created`.
 */
export async function issueUpload(
  ctx: RequestContext,
  input: IssueUploadInput,
): Promise<IssuedUpload> {
  const caller = callerOf(ctx);
  const { contentType, maxBytes } = uploadLimit(input, true);
  const creds = r2Credentials(ctx.env);
  if (creds && input.size_bytes === undefined) {
    // R2 checks a signed length exactly; without one, a presigned PUT could carry any size.
    throw new ValidationError([
      { field: "size_bytes", message: "Required: the exact size of the object in bytes" },
    ]);
  }
  const { patientId } = await checkMediaOwner(ctx, input.owner, "write");
  const id = uuidv7();
  const key = objectKeyOf(caller.workspaceId, id);
  const now = new Date();
  const expires = new Date(now.getTime() + UPLOAD_TTL_SECONDS * 1000);
  const headers: Record<string, string> = { "content-type": contentType };
  if (input.size_bytes !== undefined) headers["content-length"] = String(input.size_bytes);
  const uploadUrl = creds
    ? await presignR2Object(creds, key, "PUT", UPLOAD_TTL_SECONDS, {
        ...headers,
        "if-none-match": "*",
      })
    : absoluteUrl(
        ctx,
        `/api/v1/uploads/${await signMediaToken(ctx.env.JWT_SECRET, {
          op: "put",
          mid: id,
          wid: caller.workspaceId,
          key,
          ct: contentType,
          max: maxBytes,
          ...(input.size_bytes !== undefined && { len: input.size_bytes }),
          exp: Math.floor(expires.getTime() / 1000),
        })}`,
      );
  if (creds) headers["if-none-match"] = "*";
  await ctx.db.write([
    ctx.db.orm.insert(mediaObjects).values({
      id,
      workspaceId: caller.workspaceId,
      purpose: input.purpose,
      ownerKind: input.owner.kind,
      ownerId: input.owner.id,
      patientId,
      contentType,
      maxBytes,
      uploadMode: creds ? "presigned" : "single",
      objectKey: key,
      createdBy: caller.userId,
      uploadExpiresAt: expires.toISOString(),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    }),
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
        },
      })
    ).query,
  ]);
  return {
    media_id: id,
    upload_url: uploadUrl,
    method: "PUT",
    headers,
    max_bytes: maxBytes,
    expires_at: expires.toISOString(),
  };
}

export const presentMedia = (row: MediaObjectRow): MediaInfo => ({
  id: row.id,
  purpose: row.purpose as MediaPurpose,
  owner_kind: row.ownerKind,
  owner_id: row.ownerId,
  content_type: row.contentType,
  size_bytes: row.sizeBytes,
  sha256: row.sha256,
  status: row.status,
  created_at: row.createdAt,
});

/** The media row in the caller's workspace, or null. */
export async function loadMedia(ctx: RequestContext, mediaId: string) {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(mediaObjects)
      .where(and(eq(mediaObjects.id, mediaId), eq(mediaObjects.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  const row = rows[0] ?? null;
  if (row?.status === "pending" && row.uploadMode === "presigned") {
    // Bytes sent straight to R2: confirm them from R2 itself the first time someone asks.
    return confirmPresignedUpload(ctx, row);
  }
  return row;
}

/**
 * One media object of the caller's workspace (another workspace's is null). No owner check: the
 * calling module has checked access to its own object first.
 */
export async function getMedia(ctx: RequestContext, mediaId: string): Promise<MediaInfo | null> {
  const row = await loadMedia(ctx, mediaId);
  return row ? presentMedia(row) : null;
}

/**
 * A signed, expiring, Range-capable download URL for an uploaded media object
 * (`/api/v1/media/{token}`), issued to the caller: the caller's module has already checked access
 * at this moment, and every request through the link checks it again as this caller (always
 * through the Worker, even with R2 credentials: an R2 presigned GET could not be re-checked).
 * Issuance is audited as `media.read`. 404 if absent, 409 if not uploaded.
 */
export async function issueDownload(
  ctx: RequestContext,
  mediaId: string,
  options: { ttl_seconds?: number } = {},
): Promise<{ url: string; expires_at: string }> {
  const caller = callerOf(ctx);
  const ttl = options.ttl_seconds ?? DOWNLOAD_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_DOWNLOAD_TTL_SECONDS) {
    throw new ValidationError([
      { field: "ttl_seconds", message: `Between 1 and ${MAX_DOWNLOAD_TTL_SECONDS}` },
    ]);
  }
  const row = await loadMedia(ctx, mediaId);
  if (!row) throw new NotFoundError("Media");
  if (row.status !== "uploaded") throw new ConflictError("Media is not uploaded yet");
  const expires = new Date(Date.now() + ttl * 1000);
  const token = await signMediaToken(ctx.env.JWT_SECRET, {
    op: "get",
    mid: row.id,
    wid: row.workspaceId,
    key: row.objectKey,
    ct: row.contentType,
    max: row.sizeBytes ?? 0,
    exp: Math.floor(expires.getTime() / 1000),
    uid: caller.userId,
    sid: caller.sessionId,
    role: caller.role,
  });
  await ctx.db.write([
    (
      await auditEntry(ctx, {
        action: "media.read",
        resourceType: "media",
        resourceId: row.id,
        metadata: { purpose: row.purpose, patient_id: row.patientId, ttl_seconds: ttl },
      })
    ).query,
  ]);
  return { url: absoluteUrl(ctx, `/api/v1/media/${token}`), expires_at: expires.toISOString() };
}

/**
 * Deletes a media object: its row and parts, audited as `media.deleted`, then its R2 object (or
 * open multipart upload). The caller's module has checked access. False if it did not exist;
 * 409 naming the owner's state while the owner's media are frozen (a signed note's attachments
 * go only with the note, by its retention rule). The row's delete is guarded by that lock, so an
 * owner frozen meanwhile keeps its media; bytes go only once the row is gone (at worst an
 * unreferenced object remains, never a row without its bytes).
 */
export async function deleteMedia(ctx: RequestContext, mediaId: string): Promise<boolean> {
  const caller = callerOf(ctx);
  const mine = and(eq(mediaObjects.id, mediaId), eq(mediaObjects.workspaceId, caller.workspaceId));
  const [[row]] = await ctx.db.read([ctx.db.orm.select().from(mediaObjects).where(mine).limit(1)]);
  if (!row) return false;
  const lock = lockStateOf(row.ownerKind);
  const stateNow = async () => {
    if (!lock) return null;
    const [[found]] = await ctx.db.read([
      ctx.db.orm.select({ state: lock }).from(mediaObjects).where(mine).limit(1),
    ]);
    return found?.state ?? null;
  };
  const refuse = async (current: string) => {
    await recordAudit(ctx, {
      action: "media.deleted",
      resourceType: "media",
      resourceId: row.id,
      outcome: "denied",
      metadata: { reason: "owner_locked", state: current },
    });
    return frozenError(row.ownerKind, current);
  };
  const state = await stateNow();
  if (state) throw await refuse(state);
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm.delete(mediaObjects).where(and(mine, lock ? isNull(lock) : undefined)),
    audit: {
      action: "media.deleted",
      resourceType: "media",
      resourceId: row.id,
      metadata: { purpose: row.purpose, patient_id: row.patientId },
    },
    then: [
      ctx.db.orm
        .delete(mediaUploadParts)
        .where(
          and(
            eq(mediaUploadParts.mediaId, row.id),
            eq(mediaUploadParts.workspaceId, caller.workspaceId),
            notExists(ctx.db.orm.select({ id: mediaObjects.id }).from(mediaObjects).where(mine)),
          ),
        ),
    ],
  });
  if (!changed) {
    // Gone meanwhile (another delete won), or its owner was frozen meanwhile.
    const frozen = await stateNow();
    if (frozen) throw await refuse(frozen);
    return false;
  }
  await removeStoredBytes(ctx.env.MEDIA, row);
  return true;
}

/**
 * Deletes every media object of an owner that is gone (its module purged it under its retention
 * rule); how many. Called after the owner's row is deleted, so no lock holds them any more.
 */
export async function deleteMediaOf(ctx: RequestContext, owner: MediaOwner): Promise<number> {
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: mediaObjects.id })
      .from(mediaObjects)
      .where(
        and(
          eq(mediaObjects.workspaceId, callerOf(ctx).workspaceId),
          eq(mediaObjects.ownerKind, owner.kind),
          eq(mediaObjects.ownerId, owner.id),
        ),
      ),
  ]);
  let deleted = 0;
  for (const { id } of rows) if (await deleteMedia(ctx, id)) deleted++;
  return deleted;
}

/** Removes what R2 holds for a media row: the object and any open multipart upload. */
export async function removeStoredBytes(bucket: R2Bucket, row: MediaObjectRow) {
  if (row.multipartUploadId) {
    try {
      await bucket.resumeMultipartUpload(row.objectKey, row.multipartUploadId).abort();
    } catch {
      // Already completed or aborted: nothing left to abort.
    }
  }
  await bucket.delete(row.objectKey);
}
