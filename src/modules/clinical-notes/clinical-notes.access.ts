/**
 * Who may reach a clinical note, on top of src/policy/policy.ts:
 * - admins: the whole workspace, to read and to manage (delete, restore, purge); they do not
 *   author or sign clinical content;
 * - clinicians: notes of patients on whose care team they are, and the note of an appointment
 *   they are the clinician of;
 * - the patient: their own finalized notes, only when the clinic enables it, read only;
 * - family: never (404, like any record they cannot see).
 * A role that may never use a mode (admins writing, clinicians purging) gets 403 before the
 * lookup, the same for every id; anyone outside the relation gets the 404 of an unknown id
 * (issue 12, test/security/oracle.test.ts). Every refusal is audited once.
 */
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { clinicalNotes } from "../../db/schema/clinical-notes";
import { recordAudit, type AuditAction } from "../../lib/audit";
import { ForbiddenError, NotFoundError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { hasPermission, isClinician } from "../../policy/policy";
import type { NoteRow } from "./clinical-notes.data";

/** read: see it; write: author content or sign; manage: (soft) delete, restore; purge: destroy. */
export type NoteMode = "read" | "write" | "manage" | "purge";
export type DeletedFilter = "live" | "deleted" | "any";

const relationColumns = (caller: Caller) => ({
  note: clinicalNotes,
  onTeam:
    sql<number>`exists(select 1 from care_team_members m where m.patient_id = clinical_notes.patient_id and m.user_id = ${caller.userId})`.as(
      "rel_on_team",
    ),
  apptClinician: sql<
    string | null
  >`(select a.clinician_id from appointments a where a.id = clinical_notes.appointment_id and a.workspace_id = clinical_notes.workspace_id)`.as(
    "rel_appt_clinician",
  ),
  patientUser: sql<
    string | null
  >`(select p.user_id from patients p where p.id = clinical_notes.patient_id and p.deleted_at is null)`.as(
    "rel_patient_user",
  ),
  patientsSee: sql<
    number | null
  >`(select s.patients_see_finalized from clinical_note_settings s where s.workspace_id = clinical_notes.workspace_id)`.as(
    "rel_patients_see",
  ),
});

type Relation = {
  note: NoteRow;
  onTeam: number;
  apptClinician: string | null;
  patientUser: string | null;
  patientsSee: number | null;
};

/** Whether the role may ever `mode` a note, decided before anything is looked up. */
function roleMay(caller: Caller, mode: NoteMode): boolean {
  if (caller.role === "admin") return mode !== "write";
  if (isClinician(caller.role)) {
    if (mode === "purge") return false;
    if (mode === "write") return hasPermission(caller.role, "clinical_notes.write");
    return true;
  }
  // Patients and family are refused by relation (404 below), like any record they cannot see.
  return true;
}

/** Whether the caller may `mode` the note; "hidden" when it must look absent to them. */
function decide(caller: Caller, rel: Relation, mode: NoteMode): "ok" | "hidden" {
  const { note } = rel;
  if (caller.role === "admin") return "ok";
  if (isClinician(caller.role)) {
    const related = Boolean(rel.onTeam) || rel.apptClinician === caller.userId;
    return related ? "ok" : "hidden";
  }
  if (caller.role === "patient" && rel.patientUser === caller.userId) {
    const visible = note.finalizedAt !== null && Boolean(rel.patientsSee);
    // A patient only ever reads; any other mode answers like an unknown id.
    return visible && mode === "read" ? "ok" : "hidden";
  }
  return "hidden";
}

/**
 * Loads a note of the caller's workspace (one round trip, with the relation) and checks `mode`.
 * Throws 403 for a role that never may `mode` (before the lookup), else 404 (unknown, other
 * workspace, outside the relation, or wrong deleted state), audited.
 */
export async function reachNote(
  ctx: RequestContext,
  noteId: string,
  mode: NoteMode,
  action: AuditAction,
  deleted: DeletedFilter = "live",
): Promise<{ caller: Caller; note: NoteRow }> {
  const caller = callerOf(ctx);
  const audit = { action, resourceType: "clinical_note", resourceId: noteId };
  if (!roleMay(caller, mode)) {
    // The role never does this: refused before the lookup, the same answer for every id.
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { reason: "role", mode } });
    throw new ForbiddenError();
  }
  const deletedCondition =
    deleted === "live"
      ? isNull(clinicalNotes.deletedAt)
      : deleted === "deleted"
        ? isNotNull(clinicalNotes.deletedAt)
        : undefined;
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select(relationColumns(caller))
      .from(clinicalNotes)
      .where(
        and(
          eq(clinicalNotes.id, noteId),
          eq(clinicalNotes.workspaceId, caller.workspaceId),
          deletedCondition,
        ),
      )
      .limit(1),
  ]);
  const rel = rows[0] as Relation | undefined;
  if (!rel) {
    await recordAudit(ctx, { ...audit, outcome: "not_found" });
    throw new NotFoundError("Clinical note");
  }
  if (decide(caller, rel, mode) !== "ok") {
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { reason: "relation", mode } });
    throw new NotFoundError("Clinical note");
  }
  return { caller, note: rel.note };
}
