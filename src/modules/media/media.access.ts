/**
 * Route-level verbs over a media id: the owner's registered check runs first (so access follows
 * the owning object's rules), then the media verb.
 */
import { ForbiddenError, NotFoundError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { recordAudit } from "../../lib/audit";
import { checkMediaOwner, type MediaAccessMode } from "./media.owners";
import { issueDownload, loadMedia, presentMedia } from "./media.service";

/**
 * The media row, after the owner's check for `mode` (run now, with the owner's current rule);
 * 404 (audited) if not in the workspace, or, with `uploaderOnly`, if the caller did not issue it.
 * A refusal by the owner's check (audited there) answers the same `Media not found` as an
 * unknown id, so a media id's existence is not revealed to callers who may not reach its owner.
 */
export async function accessMedia(
  ctx: RequestContext,
  mediaId: string,
  mode: MediaAccessMode,
  options: { uploaderOnly?: boolean } = {},
) {
  const row = await loadMedia(ctx, mediaId);
  const notUploader = row && options.uploaderOnly && row.createdBy !== callerOf(ctx).userId;
  if (!row || notUploader) {
    await recordAudit(ctx, {
      action: mode === "write" ? "media.updated" : "media.read",
      resourceType: "media",
      resourceId: mediaId,
      outcome: row ? "denied" : "not_found",
      ...(row && { metadata: { reason: "uploader" } }),
    });
    throw new NotFoundError("Media");
  }
  try {
    await checkMediaOwner(ctx, { kind: row.ownerKind, id: row.ownerId }, mode);
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ForbiddenError) {
      throw new NotFoundError("Media");
    }
    throw err;
  }
  return row;
}

/** A download URL for a media id the caller may read (through its owner), with its metadata. */
export async function downloadUrlFor(
  ctx: RequestContext,
  mediaId: string,
  options: { ttl_seconds?: number },
) {
  const row = await accessMedia(ctx, mediaId, "read");
  const issued = await issueDownload(ctx, row.id, options);
  return { ...issued, media: presentMedia(row) };
}
