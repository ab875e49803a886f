/** Versions of finalized notes: finalizing writes version 1, each later update the next one. */
import { and, desc, eq, sql } from "drizzle-orm";
import { clinicalNotes, clinicalNoteVersions } from "../../db/schema/clinical-notes";
import { auditEntry } from "../../lib/audit";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { reachNote } from "./clinical-notes.access";
import { presentVersion, versionRef, type NoteRow } from "./clinical-notes.data";
import type { Sections } from "./clinical-notes.schemas";

/**
 * The insert of a version row, for the same batch as the note's update (wrapped: a drizzle query
 * is thenable). It copies only if the note row now holds `noteSectionsEnc` (a fresh ciphertext,
 * so unique to this edit): an update that matched nothing (a concurrent edit won) leaves no
 * phantom version. The unique (note, version) index stops two edits claiming one number.
 */
export async function versionInsert(
  ctx: RequestContext,
  note: Pick<NoteRow, "id" | "workspaceId">,
  sections: Sections,
  reason: "finalized" | "updated",
  version: number,
  noteSectionsEnc: string,
) {
  const id = uuidv7();
  const editedBy = ctx.caller!.userId;
  const enc = await ctx.phi.encrypt(JSON.stringify(sections), versionRef(id));
  const now = new Date().toISOString();
  // Fields in the table's column order: drizzle inserts the selected row as is.
  const row = ctx.db.orm
    .select({
      id: sql<string>`${id}`.as("v_id"),
      workspaceId: clinicalNotes.workspaceId,
      noteId: clinicalNotes.id,
      version: sql<number>`${version}`.as("v_version"),
      sectionsEnc: sql<string>`${enc}`.as("v_sections_enc"),
      editedBy: sql<string>`${editedBy}`.as("v_edited_by"),
      reason: sql<"finalized" | "updated">`${reason}`.as("v_reason"),
      createdAt: sql<string>`${now}`.as("v_created_at"),
    })
    .from(clinicalNotes)
    .where(and(eq(clinicalNotes.id, note.id), eq(clinicalNotes.sectionsEnc, noteSectionsEnc)));
  return { query: ctx.db.orm.insert(clinicalNoteVersions).select(row) };
}

/** The versions of a note, newest first. */
export async function listVersions(ctx: RequestContext, noteId: string) {
  const { note } = await reachNote(ctx, noteId, "read", "clinical_note.read");
  const audit = await auditEntry(ctx, {
    action: "clinical_note.read",
    resourceType: "clinical_note",
    resourceId: note.id,
    metadata: { patient_id: note.patientId, part: "versions" },
  });
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(clinicalNoteVersions)
      .where(
        and(
          eq(clinicalNoteVersions.noteId, note.id),
          eq(clinicalNoteVersions.workspaceId, note.workspaceId),
        ),
      )
      .orderBy(desc(clinicalNoteVersions.version)),
    audit.query,
  ]);
  return Promise.all(rows.map((row) => presentVersion(ctx.phi, row)));
}
