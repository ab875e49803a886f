/**
 * The session's video through the media module (never R2 keys here): the `exercise_session`
 * owner check (listed in media.owners.ts) so the media routes apply the session's own access
 * rules, issuing the
 * upload, a short-lived download link for the physio view, and removal with the session.
 */
import {
  deleteMedia,
  getMedia,
  issueDownload,
  issueUpload,
  type MediaAccessMode,
} from "../media/media.service";
import type { RequestContext } from "../../middleware/request-context";
import { accessSession } from "./sessions.access";

// Reading a session's media follows the session (family: summaries only, so no video); writing
// it needs write access to the session, and only while it is still being recorded.
export async function sessionMediaOwner(
  ctx: RequestContext,
  ownerId: string,
  mode: MediaAccessMode,
) {
  const { session } = await accessSession(
    ctx,
    ownerId,
    mode === "write" ? "write" : "read",
    mode === "write" ? "exercise_session.updated" : "exercise_session.read",
  );
  return { patientId: session.patientId };
}

/** Issues the signed upload of a session's video (seed 000 §1 `upload_urls.video`). */
export function sessionVideoUpload(
  ctx: RequestContext,
  sessionId: string,
  contentType: string,
  sizeBytes?: number,
) {
  return issueUpload(ctx, {
    purpose: "session_video",
    content_type: contentType,
    ...(sizeBytes !== undefined && { size_bytes: sizeBytes }),
    owner: { kind: "exercise_session", id: sessionId },
  });
}

/** A signed, expiring link to the session's video once uploaded; null before. */
export async function sessionVideoUrl(ctx: RequestContext, mediaId: string | null) {
  if (!mediaId) return null;
  const media = await getMedia(ctx, mediaId);
  if (!media || media.status !== "uploaded") return null;
  return (await issueDownload(ctx, mediaId)).url;
}

/** Removes the session's video (object and row). */
export async function removeSessionVideo(ctx: RequestContext, mediaId: string) {
  await deleteMedia(ctx, mediaId);
}
