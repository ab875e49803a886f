/**
 * Clinical notes: create (from a template, whose sections the note follows), read with its
 * suggestions and addenda, and the content edits: update, autosave, finalize. Signing, versions,
 * suggestions and deletion are in clinical-notes.lifecycle.ts.
 */
import { and, asc, eq } from "drizzle-orm";
import {
  clinicalNoteAddenda,
  clinicalNotes,
  clinicalNoteSuggestions,
  clinicalNoteVersions,
} from "../../db/schema/clinical-notes";
import { appointments } from "../../db/schema/scheduling";
import { auditEntry, recordAudit } from "../../lib/audit";
import { isUniqueViolation } from "../../lib/db";
import { ConflictError, ForbiddenError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, hasPermission } from "../../policy/policy";
import { reachNote } from "./clinical-notes.access";
import {
  checkConsultationType,
  checkRequired,
  checkSections,
  encryptSections,
  noteRef,
  presentNote,
  presentSummary,
  templateOf,
  type NoteRow,
} from "./clinical-notes.data";
import { applyEdit, autosaveNote, finalizeNote } from "./clinical-notes.edit";
import { restoreNote } from "./clinical-notes.lifecycle";
import type { CreateNoteInput, Sections, UpdateNoteInput } from "./clinical-notes.schemas";
import { versionRow } from "./clinical-notes.versions";

/**
 * The author must be a clinician with a relation to the patient: on the care team, or the
 * clinician of the linked appointment (which must be the same patient's, in the workspace).
 */
async function authorFor(ctx: RequestContext, input: CreateNoteInput) {
  const caller = callerOf(ctx);
  const audit = { action: "clinical_note.created" as const, resourceType: "clinical_note" };
  if (!hasPermission(caller.role, "clinical_notes.write")) {
    // Still 404 for a patient the caller cannot see at all (patients, family).
    await accessPatient(ctx, input.patient_id, "read", audit);
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { reason: "role" } });
    throw new ForbiddenError();
  }
  if (input.appointment_id) {
    const [[appointment]] = await ctx.db.read([
      ctx.db.orm
        .select({ patientId: appointments.patientId, clinicianId: appointments.clinicianId })
        .from(appointments)
        .where(
          and(
            eq(appointments.id, input.appointment_id),
            eq(appointments.workspaceId, caller.workspaceId),
          ),
        )
        .limit(1),
    ]);
    if (!appointment || appointment.patientId !== input.patient_id) {
      throw new ValidationError([
        { field: "appointment_id", message: "No such appointment for this patient" },
      ]);
    }
    // The appointment's clinician documents it even when not on the care team.
    if (appointment.clinicianId === caller.userId) return caller;
  }
  await accessPatient(ctx, input.patient_id, "write", audit);
  return caller;
}

/** Creates a note (a draft unless `is_draft: false`, which finalizes it as version 1). */
export async function createNote(ctx: RequestContext, input: CreateNoteInput) {
  const template = templateOf(input.template_type);
  checkSections(template, input.sections);
  checkConsultationType(input.consultation_type);
  if (!input.is_draft) checkRequired(template, input.sections);
  const caller = await authorFor(ctx, input);
  if (input.client_id) {
    const existing = await byClientId(ctx, caller.userId, input.client_id);
    if (existing) return replayed(ctx, existing, input);
  }
  const id = uuidv7();
  const now = new Date().toISOString();
  const row: NoteRow = {
    id,
    workspaceId: caller.workspaceId,
    patientId: input.patient_id,
    authorId: caller.userId,
    appointmentId: input.appointment_id ?? null,
    exerciseSessionId: input.exercise_session_id ?? null,
    chatId: input.chat_id ?? null,
    callId: input.call_id ?? null,
    templateType: template.id,
    consultationType: input.consultation_type ?? null,
    visitReasonEnc: await ctx.phi.encryptOptional(input.visit_reason, noteRef(id, "visit_reason")),
    sectionsEnc: await encryptSections(ctx.phi, input.sections, noteRef(id, "sections")),
    version: input.is_draft ? 0 : 1,
    finalizedAt: input.is_draft ? null : now,
    signedBy: null,
    signedAt: null,
    lastAutosaveAt: null,
    aiProvenance: null,
    clientId: input.client_id ?? null,
    deletedAt: null,
    deletedBy: null,
    createdAt: now,
    updatedAt: now,
  };
  const audit = await auditEntry(ctx, {
    action: "clinical_note.created",
    resourceType: "clinical_note",
    resourceId: id,
    metadata: { patient_id: row.patientId, template_type: row.templateType, draft: input.is_draft },
  });
  const version = input.is_draft
    ? []
    : [
        ctx.db.orm
          .insert(clinicalNoteVersions)
          .values(await versionRow(ctx, row, input.sections, "finalized", 1)),
      ];
  try {
    await ctx.db.write([ctx.db.orm.insert(clinicalNotes).values(row), ...version, audit.query]);
  } catch (error) {
    if (input.client_id && isUniqueViolation(error)) {
      const first = await byClientId(ctx, caller.userId, input.client_id);
      if (first) return replayed(ctx, first, input);
    }
    throw error;
  }
  return presentNote(ctx.phi, row);
}

/**
 * A create replayed with a `client_id` already used by this author answers the first note, but
 * only if it is the same request's note and the caller may still read it: another patient's note
 * is a 409 (a new note is never merged into it), a note the caller can no longer read (deleted,
 * care team left) the usual 404. The answer is a read of the note, audited as one.
 */
async function replayed(ctx: RequestContext, first: NoteRow, input: CreateNoteInput) {
  const { note } = await reachNote(ctx, first.id, "read", "clinical_note.read");
  if (note.patientId !== input.patient_id) {
    await recordAudit(ctx, {
      action: "clinical_note.created",
      resourceType: "clinical_note",
      resourceId: note.id,
      outcome: "denied",
      metadata: { reason: "client_id_reused" },
    });
    throw new ConflictError("This client_id belongs to a note of another patient");
  }
  return loadNote(ctx, note);
}

async function byClientId(ctx: RequestContext, authorId: string, clientId: string) {
  const [[row]] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(clinicalNotes)
      .where(
        and(
          eq(clinicalNotes.authorId, authorId),
          eq(clinicalNotes.clientId, clientId),
          eq(clinicalNotes.workspaceId, callerOf(ctx).workspaceId),
        ),
      )
      .limit(1),
  ]);
  return row;
}

/** Loads what a note shows with it: suggestions and addenda, plus the read's audit entry. */
export async function loadNote(ctx: RequestContext, note: NoteRow, audit = true) {
  const entry = audit
    ? await auditEntry(ctx, {
        action: "clinical_note.read",
        resourceType: "clinical_note",
        resourceId: note.id,
        metadata: { patient_id: note.patientId },
      })
    : null;
  const [suggestions, addenda] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(clinicalNoteSuggestions)
      .where(eq(clinicalNoteSuggestions.noteId, note.id))
      .orderBy(asc(clinicalNoteSuggestions.createdAt)),
    ctx.db.orm
      .select()
      .from(clinicalNoteAddenda)
      .where(eq(clinicalNoteAddenda.noteId, note.id))
      .orderBy(asc(clinicalNoteAddenda.createdAt)),
    // The read's audit entry rides in the same round trip.
    ...(entry ? [entry.query] : []),
  ]);
  return presentNote(ctx.phi, note, suggestions, addenda);
}

/** A note with its suggestions and addenda (patients: their finalized notes, when enabled). */
export async function getNote(ctx: RequestContext, id: string) {
  const { note } = await reachNote(ctx, id, "read", "clinical_note.read");
  return loadNote(ctx, note);
}

/**
 * Updates a note: a draft is overwritten; a finalized note gains a version; a signed note keeps
 * its signed text and each changed section becomes an addendum. `is_draft: false` finalizes.
 */
export async function updateNote(ctx: RequestContext, id: string, input: UpdateNoteInput) {
  const { caller, note } = await reachNote(ctx, id, "write", "clinical_note.updated");
  if (input.is_draft === true && note.finalizedAt) {
    throw new ValidationError([{ field: "is_draft", message: "A finalized note stays final" }]);
  }
  checkConsultationType(input.consultation_type);
  const updated = await applyEdit(ctx, caller, note, input);
  return loadNote(ctx, updated, false);
}

/** Autosaves a draft; answers the note's summary with the time of the save. */
export async function autosaveDraft(ctx: RequestContext, id: string, sections: Sections) {
  return presentSummary(await autosaveNote(ctx, id, sections));
}

/** Finalizes a draft; answers its summary. */
export async function finalizeDraft(ctx: RequestContext, id: string) {
  return presentSummary(await finalizeNote(ctx, id));
}

/** Restores a soft-deleted note; answers its summary. */
export async function restoredNote(ctx: RequestContext, id: string) {
  return presentSummary(await restoreNote(ctx, id));
}
