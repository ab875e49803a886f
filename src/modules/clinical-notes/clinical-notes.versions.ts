/** Versions of finalized notes: finalizing writes version 1, each later update the next one. */
import { and, desc, eq } from "drizzle-orm";
import { clinicalNoteVersions } from "../../db/schema/clinical-notes";
import { auditEntry } from "../../lib/audit";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { reachNote } from "./clinical-notes.access";
import { presentVersion, versionRef, type NoteRow } from "./clinical-notes.data";
import type { Sections } from "./clinical-notes.schemas";

/**
 * The row of a version, sections encrypted under its own id. An edit writes it as a follower of
 * its guarded update (src/lib/guarded-write.ts), so an update that matched nothing (a concurrent
 * edit won) leaves no phantom version; the unique (note, version) index stops two edits claiming
 * one number.
 */
export async function versionRow(
  ctx: RequestContext,
  note: Pick<NoteRow, "id" | "workspaceId">,
  sections: Sections,
  reason: "finalized" | "updated",
  version: number,
): Promise<typeof clinicalNoteVersions.$inferInsert> {
  const id = uuidv7();
  return {
    id,
    workspaceId: note.workspaceId,
    noteId: note.id,
    version,
    sectionsEnc: await ctx.phi.encrypt(JSON.stringify(sections), versionRef(id)),
    editedBy: ctx.caller!.userId,
    reason,
    createdAt: new Date().toISOString(),
  };
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
