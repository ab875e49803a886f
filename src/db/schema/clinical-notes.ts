/**
 * Clinical notes (seed 001 SOAP sessions + seed 002 clinical notes), their versions, addenda,
 * AI suggestions, the clinic's note settings and scribe jobs.
 *
 * Invariants:
 * - Every row carries `workspace_id`; note text (sections, visit reason, addenda, suggestions) is
 *   stored only encrypted (`*_enc`), bound to its table, column and row.
 * - Lifecycle: draft (`finalized_at` null) → final (`finalized_at` set, version 1 written) →
 *   signed (`signed_at` set: sections locked, later changes are rows of `clinical_note_addenda`).
 * - `deleted_at` set = soft deleted; only an admin destroys a row, and only within seed 002 §7.3's
 *   retention rule (see clinical-notes.retention.ts).
 * - `last_autosave_at` is the autosave throttle: one conditional UPDATE claims the 5 s window.
 */
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, flag, id, timestamp, updatedAt, workspaceId } from "./columns";

export const SUGGESTION_TYPES = ["medication", "symptom", "action", "finding"] as const;
export type SuggestionType = (typeof SUGGESTION_TYPES)[number];

export const clinicalNotes = sqliteTable(
  "clinical_notes",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    authorId: text("author_id").notNull(),
    appointmentId: text("appointment_id"),
    exerciseSessionId: text("exercise_session_id"),
    chatId: text("chat_id"),
    callId: text("call_id"),
    templateType: text("template_type").notNull(),
    consultationType: text("consultation_type"),
    visitReasonEnc: text("visit_reason_enc"),
    /** JSON object section id → text, encrypted as one value. */
    sectionsEnc: text("sections_enc").notNull(),
    version: integer("version").notNull().default(0),
    finalizedAt: timestamp("finalized_at"),
    signedBy: text("signed_by"),
    signedAt: timestamp("signed_at"),
    lastAutosaveAt: timestamp("last_autosave_at"),
    /** JSON {provider, model, prompt_version} when the note came from the scribe; no PHI. */
    aiProvenance: text("ai_provenance"),
    clientId: text("client_id"),
    deletedAt: timestamp("deleted_at"),
    deletedBy: text("deleted_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("clinical_notes_workspace_created").on(t.workspaceId, t.createdAt),
    index("clinical_notes_patient_created").on(t.patientId, t.createdAt),
    index("clinical_notes_author_created").on(t.authorId, t.createdAt),
    index("clinical_notes_appointment").on(t.appointmentId),
    uniqueIndex("clinical_notes_author_client").on(t.authorId, t.clientId),
  ],
);

export const clinicalNoteVersions = sqliteTable(
  "clinical_note_versions",
  {
    id: id(),
    workspaceId: workspaceId(),
    noteId: text("note_id").notNull(),
    version: integer("version").notNull(),
    sectionsEnc: text("sections_enc").notNull(),
    editedBy: text("edited_by").notNull(),
    reason: text("reason", { enum: ["finalized", "updated"] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("clinical_note_versions_note_version").on(t.noteId, t.version)],
);

export const clinicalNoteAddenda = sqliteTable(
  "clinical_note_addenda",
  {
    id: id(),
    workspaceId: workspaceId(),
    noteId: text("note_id").notNull(),
    section: text("section").notNull(),
    textEnc: text("text_enc").notNull(),
    authorId: text("author_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("clinical_note_addenda_note").on(t.noteId, t.createdAt)],
);

export const clinicalNoteSuggestions = sqliteTable(
  "clinical_note_suggestions",
  {
    id: id(),
    workspaceId: workspaceId(),
    noteId: text("note_id").notNull(),
    section: text("section").notNull(),
    textEnc: text("text_enc").notNull(),
    type: text("type", { enum: SUGGESTION_TYPES }).notNull(),
    confidence: real("confidence"),
    /** JSON array of source segment ids (ids only, no text). */
    sources: text("sources").notNull().default("[]"),
    unsupported: flag("unsupported").notNull().default(false),
    /** Why it is unsupported: a code of UNSUPPORTED_REASONS (src/ai/evidence.ts), no text. */
    unsupportedReason: text("unsupported_reason"),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    promptVersion: text("prompt_version").notNull(),
    isAccepted: flag("is_accepted").notNull().default(false),
    acceptedBy: text("accepted_by"),
    acceptedAt: timestamp("accepted_at"),
    createdAt: createdAt(),
  },
  (t) => [index("clinical_note_suggestions_note").on(t.noteId, t.createdAt)],
);

/** Per-clinic note settings; a missing row means the defaults (patients see no notes). */
export const clinicalNoteSettings = sqliteTable("clinical_note_settings", {
  workspaceId: text("workspace_id").primaryKey(),
  patientsSeeFinalized: flag("patients_see_finalized").notNull().default(false),
  updatedBy: text("updated_by"),
  updatedAt: updatedAt(),
});

export const SCRIBE_JOB_STATUSES = ["queued", "running", "succeeded", "failed"] as const;

/** A scribe request run through the JOBS queue; input and result stored encrypted. */
export const scribeJobs = sqliteTable(
  "scribe_jobs",
  {
    id: id(),
    workspaceId: workspaceId(),
    authorId: text("author_id").notNull(),
    patientId: text("patient_id").notNull(),
    kind: text("kind", { enum: ["generate_note", "summarize_call"] }).notNull(),
    status: text("status", { enum: SCRIBE_JOB_STATUSES }).notNull(),
    inputEnc: text("input_enc").notNull(),
    resultEnc: text("result_enc"),
    errorCode: text("error_code"),
    /** The note a succeeded generate_note job drafted. */
    noteId: text("note_id"),
    /** Provenance of the run (no PHI): which provider, model and prompt produced the result. */
    provider: text("provider"),
    model: text("model"),
    promptVersion: text("prompt_version"),
    clientId: text("client_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("scribe_jobs_author_created").on(t.authorId, t.createdAt),
    uniqueIndex("scribe_jobs_author_client").on(t.authorId, t.clientId),
  ],
);
