/**
 * Note attachments (seed 001): images and PDFs up to 10 MB, stored through the media module
 * (purpose `note_attachment`, owner `clinical_note`), so R2 keys, signed URLs and the size and
 * type rules live in one place.
 *
 * Invariants: the media module asks the note's own access rule (`reachNote`) before any upload,
 * download or deletion, so an attachment is visible exactly to those who may read its note and
 * added or removed only by those who may write it. A media id of another note answers 404.
 * A finalized or signed note's attachments are part of the record: none is added or removed
 * (409 naming the state). The media module enforces it too (the note's lock, below), on its own
 * delete path and on upload completion, so the attachments go only with the note when the
 * retention rule lets an admin purge it (purgeNote).
 */
import { and, desc, eq, sql, type SQLWrapper } from "drizzle-orm";
import { mediaObjects } from "../../db/schema/media";
import { auditEntry, recordAudit } from "../../lib/audit";
import { queueAudit } from "../../lib/audit-queue";
import { ConflictError, NotFoundError } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import {
  deleteMedia,
  issueDownload,
  issueUpload,
  presentMedia,
  type MediaAccessMode,
} from "../media/media.service";
import { reachNote } from "./clinical-notes.access";
import type { NoteRow } from "./clinical-notes.data";

const OWNER = "clinical_note";

/**
 * What freezes a note's attachments: 'signed' or 'finalized' (NULL for a draft or no note). The
 * `clinical_note` owner's lock in media.owners.ts.
 */
export function noteMediaLock(ownerId: SQLWrapper) {
  return sql<
    string | null
  >`(select case when n.signed_at is not null then 'signed' when n.finalized_at is not null then 'finalized' end from clinical_notes n where n.id = ${ownerId})`;
}

const stateOf = (note: NoteRow) =>
  note.signedAt ? "signed" : note.finalizedAt ? "finalized" : null;

/** 409 (audited) when the note's attachments may no longer change. */
async function refuseIfFrozen(ctx: RequestContext, note: NoteRow) {
  const state = stateOf(note);
  if (!state) return;
  await recordAudit(ctx, {
    action: "clinical_note.updated",
    resourceType: "clinical_note",
    resourceId: note.id,
    outcome: "denied",
    metadata: { reason: "attachments_frozen", state },
  });
  throw new ConflictError(`The note is ${state}; its attachments cannot be added or removed`, {
    state,
  });
}

/** The `clinical_note` media owner (listed in media.owners.ts): the note's own access rule. */
export async function noteMediaOwner(ctx: RequestContext, noteId: string, mode: MediaAccessMode) {
  const { note } = await reachNote(
    ctx,
    noteId,
    mode,
    mode === "write" ? "clinical_note.updated" : "clinical_note.read",
  );
  if (mode === "write") await refuseIfFrozen(ctx, note);
  return { patientId: note.patientId };
}

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
  const { caller, note } = await reachNote(ctx, noteId, "write", "clinical_note.updated");
  await refuseIfFrozen(ctx, note);
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
