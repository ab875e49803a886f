/**
 * Encryption and presentation of note rows. Sections are one JSON value encrypted under the
 * note's (or version's) row id, so a ciphertext copied to another row fails to decrypt.
 */
import {
  clinicalNoteAddenda,
  clinicalNotes,
  clinicalNoteSuggestions,
  clinicalNoteVersions,
} from "../../db/schema/clinical-notes";
import type { UnsupportedReason } from "../../ai/evidence";
import type { PhiCipher } from "../../lib/crypto/phi";
import { NOTE_TEMPLATES, type NoteTemplate } from "../templates/templates.definitions";
import { CONSULTATION_TYPES } from "../templates/templates.definitions";
import { ValidationError } from "../../lib/errors";
import type { Sections } from "./clinical-notes.schemas";

export type NoteRow = typeof clinicalNotes.$inferSelect;
export type VersionRow = typeof clinicalNoteVersions.$inferSelect;
export type AddendumRow = typeof clinicalNoteAddenda.$inferSelect;
export type SuggestionRow = typeof clinicalNoteSuggestions.$inferSelect;

export const noteRef = (rowId: string, column: string) => ({
  table: "clinical_notes",
  column,
  rowId,
});
export const versionRef = (rowId: string) => ({
  table: "clinical_note_versions",
  column: "sections",
  rowId,
});
export const addendumRef = (rowId: string) => ({
  table: "clinical_note_addenda",
  column: "text",
  rowId,
});
export const suggestionRef = (rowId: string) => ({
  table: "clinical_note_suggestions",
  column: "text",
  rowId,
});

export const encryptSections = (
  phi: PhiCipher,
  sections: Sections,
  ref: ReturnType<typeof noteRef>,
) => phi.encrypt(JSON.stringify(sections), ref);

export async function decryptSections(
  phi: PhiCipher,
  stored: string,
  ref: ReturnType<typeof noteRef>,
): Promise<Sections> {
  return JSON.parse(await phi.decrypt(stored, ref)) as Sections;
}

/** The template by id, or a 422 naming `field`. */
export function templateOf(id: string, field = "template_type"): NoteTemplate {
  const template = NOTE_TEMPLATES.find((t) => t.id === id);
  if (!template) throw new ValidationError([{ field, message: "Unknown template" }]);
  return template;
}

export function checkConsultationType(id: string | null | undefined) {
  if (id && !CONSULTATION_TYPES.some((c) => c.id === id)) {
    throw new ValidationError([
      { field: "consultation_type", message: "Unknown consultation type" },
    ]);
  }
}

/** 422 naming every section id the template does not have. */
export function checkSections(template: NoteTemplate, sections: Sections, prefix = "sections") {
  const known = new Set(template.sections.map((s) => s.id));
  const bad = Object.keys(sections).filter((id) => !known.has(id));
  if (bad.length > 0) {
    throw new ValidationError(
      bad.map((id) => ({ field: `${prefix}.${id}`, message: `Not a section of ${template.id}` })),
    );
  }
}

/** The template's sections in order, each present (empty when not written yet). */
export function orderedSections(template: NoteTemplate, sections: Sections): Sections {
  const out: Sections = {};
  for (const s of template.sections) out[s.id] = sections[s.id] ?? "";
  return out;
}

/** 422 naming each required section that is still empty (finalizing needs them). */
export function checkRequired(template: NoteTemplate, sections: Sections) {
  const missing = template.sections.filter((s) => s.required && !sections[s.id]?.trim());
  if (missing.length > 0) {
    throw new ValidationError(
      missing.map((s) => ({ field: `sections.${s.id}`, message: "Required before finalizing" })),
    );
  }
}

export function presentSummary(row: NoteRow) {
  return {
    id: row.id,
    patient_id: row.patientId,
    author_id: row.authorId,
    appointment_id: row.appointmentId,
    template_type: row.templateType,
    consultation_type: row.consultationType,
    is_draft: row.finalizedAt === null,
    is_signed: row.signedAt !== null,
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    deleted_at: row.deletedAt,
  };
}

export async function presentSuggestion(phi: PhiCipher, row: SuggestionRow) {
  return {
    id: row.id,
    section: row.section,
    suggested_text: await phi.decrypt(row.textEnc, suggestionRef(row.id)),
    type: row.type,
    confidence: row.confidence,
    sources: JSON.parse(row.sources) as string[],
    unsupported: row.unsupported,
    unsupported_reason: (row.unsupportedReason ?? null) as UnsupportedReason | null,
    provider: row.provider,
    model: row.model,
    prompt_version: row.promptVersion,
    is_accepted: row.isAccepted,
    accepted_by: row.acceptedBy,
    accepted_at: row.acceptedAt,
  };
}

export async function presentNote(
  phi: PhiCipher,
  row: NoteRow,
  suggestions: SuggestionRow[] = [],
  addenda: AddendumRow[] = [],
) {
  const template = templateOf(row.templateType);
  const sections = await decryptSections(phi, row.sectionsEnc, noteRef(row.id, "sections"));
  return {
    ...presentSummary(row),
    exercise_session_id: row.exerciseSessionId,
    chat_id: row.chatId,
    call_id: row.callId,
    visit_reason: await phi.decryptOptional(row.visitReasonEnc, noteRef(row.id, "visit_reason")),
    sections: orderedSections(template, sections),
    finalized_at: row.finalizedAt,
    signed_by: row.signedBy,
    signed_at: row.signedAt,
    ai: row.aiProvenance
      ? (JSON.parse(row.aiProvenance) as {
          provider: string;
          model: string;
          prompt_version: string;
        })
      : null,
    suggestions: await Promise.all(suggestions.map((s) => presentSuggestion(phi, s))),
    addenda: await Promise.all(
      addenda.map(async (a) => ({
        id: a.id,
        section: a.section,
        text: await phi.decrypt(a.textEnc, addendumRef(a.id)),
        author_id: a.authorId,
        created_at: a.createdAt,
      })),
    ),
  };
}

export async function presentVersion(phi: PhiCipher, row: VersionRow) {
  return {
    id: row.id,
    version: row.version,
    reason: row.reason,
    sections: JSON.parse(await phi.decrypt(row.sectionsEnc, versionRef(row.id))) as Sections,
    edited_by: row.editedBy,
    created_at: row.createdAt,
  };
}
