/**
 * Note attachments (seed 001): images and PDFs up to 10 MB, stored through the media module
 * (purpose `note_attachment`, owner `clinical_note`), so R2 keys, signed URLs and the size and
 * type rules live in one place.
 *
 * Invariants: the media module asks the note's own access rule (`reachNote`) before any upload,
 * download or deletion, so an attachment is visible exactly to those who may read its note and
 * added or removed only by those who may write it. A media id of another note answers 404.
 */
import { and, desc, eq } from "drizzle-orm";
import { mediaObjects } from "../../db/schema/media";
import { auditEntry } from "../../lib/audit";
import { queueAudit } from "../../lib/audit-queue";
import { NotFoundError } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import {
  deleteMedia,
  issueDownload,
  issueUpload,
  presentMedia,
  registerMediaOwner,
} from "../media/media.service";
import { reachNote } from "./clinical-notes.access";

const OWNER = "clinical_note";

registerMediaOwner(OWNER, async (ctx, noteId, mode) => {
  const { note } = await reachNote(
    ctx,
    noteId,
    mode,
    mode === "write" ? "clinical_note.updated" : "clinical_note.read",
  );
  return { patientId: note.patientId };
});

/** Issues the signed upload of an attachment to a note the caller may write (201). */
export async function addAttachment(
  ctx: RequestContext,
  noteId: string,
  input: { content_type: string; size_bytes: number },
) {
  return issueUpload(ctx, {
    purpose: "note_attachment",
    content_type: input.content_type,
    size_bytes: input.size_bytes,
    owner: { kind: OWNER, id: noteId },
  });
}

/** A note's uploaded attachments, newest first, each with a short-lived download link. */
export async function listAttachments(ctx: RequestContext, noteId: string) {
  const { caller } = await reachNote(ctx, noteId, "read", "clinical_note.read");
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(mediaObjects)
      .where(
        and(
          eq(mediaObjects.workspaceId, caller.workspaceId),
          eq(mediaObjects.ownerKind, OWNER),
          eq(mediaObjects.ownerId, noteId),
          eq(mediaObjects.status, "uploaded"),
        ),
      )
      .orderBy(desc(mediaObjects.createdAt)),
  ]);
  const items = await Promise.all(
    rows.map(async (row) => {
      const link = await issueDownload(ctx, row.id);
      return { ...presentMedia(row), download_url: link.url, download_expires_at: link.expires_at };
    }),
  );
  await queueAudit(ctx, {
    action: "clinical_note.read",
    resourceType: "clinical_note",
    resourceId: noteId,
    metadata: { attachments: items.length },
  });
  return items;
}

/** Removes one attachment of a note the caller may write (bytes and row); 404 for another's. */
export async function removeAttachment(ctx: RequestContext, noteId: string, mediaId: string) {
  const { caller } = await reachNote(ctx, noteId, "write", "clinical_note.updated");
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: mediaObjects.id })
      .from(mediaObjects)
      .where(
        and(
          eq(mediaObjects.id, mediaId),
          eq(mediaObjects.workspaceId, caller.workspaceId),
          eq(mediaObjects.ownerKind, OWNER),
          eq(mediaObjects.ownerId, noteId),
        ),
      ),
  ]);
  if (!rows[0] || !(await deleteMedia(ctx, mediaId))) throw new NotFoundError("Attachment");
  const audit = await auditEntry(ctx, {
    action: "clinical_note.updated",
    resourceType: "clinical_note",
    resourceId: noteId,
    metadata: { attachment_removed: mediaId },
  });
  await ctx.db.write([audit.query]);
}
