/**
 * Schemas of clinical notes (seed 001 SOAP sessions, seed 002 §2.6). Sections are a map of the
 * template's section ids to text; which ids are allowed depends on the template, so that check
 * is in the service (422 naming `sections.<id>`).
 */
import { z } from "@hono/zod-openapi";
import { UNSUPPORTED_REASONS } from "../../ai/evidence";
import { SUGGESTION_TYPES } from "../../db/schema/clinical-notes";
import { PageQuery } from "../../lib/pagination";

export const SECTION_MAX = 20_000;
const SectionId = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "Unknown section id");
export const Sections = z
  .record(SectionId, z.string().max(SECTION_MAX))
  .openapi("NoteSections", { example: { subjective: "Reports knee pain 6/10." } });
export type Sections = z.infer<typeof Sections>;

const Day = z.iso.date().openapi({ format: "date", example: "2025-01-15" });
const Flag = z.enum(["true", "false"]).transform((v) => v === "true");

export const CreateNoteInput = z
  .object({
    patient_id: z.uuid(),
    template_type: z.string().min(1).max(50).openapi({ example: "soap" }),
    consultation_type: z.string().min(1).max(50).nullish(),
    visit_reason: z.string().trim().min(1).max(2000).nullish(),
    appointment_id: z.uuid().nullish(),
    exercise_session_id: z.uuid().nullish(),
    chat_id: z.uuid().nullish(),
    call_id: z.uuid().nullish(),
    sections: Sections.default({}),
    is_draft: z.boolean().default(true),
    /** A client-generated id: a retried create returns the first note. */
    client_id: z.uuid().nullish(),
  })
  .openapi("CreateClinicalNoteInput");
export type CreateNoteInput = z.infer<typeof CreateNoteInput>;

export const UpdateNoteInput = z
  .object({
    sections: Sections.optional(),
    visit_reason: z.string().trim().min(1).max(2000).nullish(),
    consultation_type: z.string().min(1).max(50).nullish(),
    is_draft: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: "Nothing to update", path: ["body"] })
  .openapi("UpdateClinicalNoteInput");
export type UpdateNoteInput = z.infer<typeof UpdateNoteInput>;

export const AutosaveInput = z
  .object({ sections: Sections })
  .refine((v) => Object.keys(v.sections).length > 0, {
    message: "At least one section",
    path: ["sections"],
  })
  .openapi("AutosaveClinicalNoteInput");
export type AutosaveInput = z.infer<typeof AutosaveInput>;

export const SignInput = z
  .object({
    password: z.string().min(1).max(1024),
    mfa_code: z.string().min(6).max(20).optional(),
  })
  .openapi("SignClinicalNoteInput");
export type SignInput = z.infer<typeof SignInput>;

export const SettingsInput = z
  .object({ patients_see_finalized: z.boolean() })
  .openapi("ClinicalNoteSettingsInput");

export const ListNotesQuery = PageQuery.extend({
  patient_id: z.uuid().optional(),
  author_id: z.uuid().optional(),
  template_type: z.string().min(1).max(50).optional(),
  is_draft: Flag.optional(),
  start_date: Day.optional(),
  end_date: Day.optional(),
}).refine((q) => !q.start_date || !q.end_date || q.end_date >= q.start_date, {
  message: "Must not be before start_date",
  path: ["end_date"],
});
export type ListNotesQuery = z.infer<typeof ListNotesQuery>;

export const PatientNotesQuery = PageQuery.extend({
  template_type: z.string().min(1).max(50).optional(),
  is_draft: Flag.optional(),
});

export const ExportQuery = z.object({
  format: z.enum(["pdf", "docx", "txt"]).openapi({ param: { name: "format", in: "query" } }),
});

export const NoteIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
export const SuggestionParams = NoteIdParam.extend({
  suggestion_id: z.uuid().openapi({ param: { name: "suggestion_id", in: "path" } }),
});

export const Suggestion = z
  .object({
    id: z.string(),
    section: z.string(),
    suggested_text: z.string(),
    type: z.enum(SUGGESTION_TYPES),
    confidence: z.number().nullable(),
    sources: z.array(z.string()),
    unsupported: z.boolean(),
    unsupported_reason: z.enum(UNSUPPORTED_REASONS).nullable(),
    provider: z.string(),
    model: z.string(),
    prompt_version: z.string(),
    is_accepted: z.boolean(),
    accepted_by: z.string().nullable(),
    accepted_at: z.string().nullable(),
  })
  .openapi("ClinicalNoteSuggestion");

export const Addendum = z
  .object({
    id: z.string(),
    section: z.string(),
    text: z.string(),
    author_id: z.string(),
    created_at: z.string(),
  })
  .openapi("ClinicalNoteAddendum");

export const NoteSummary = z
  .object({
    id: z.string(),
    patient_id: z.string(),
    author_id: z.string(),
    appointment_id: z.string().nullable(),
    template_type: z.string(),
    consultation_type: z.string().nullable(),
    is_draft: z.boolean(),
    is_signed: z.boolean(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    deleted_at: z.string().nullable(),
  })
  .openapi("ClinicalNoteSummary");

export const Note = NoteSummary.extend({
  exercise_session_id: z.string().nullable(),
  chat_id: z.string().nullable(),
  call_id: z.string().nullable(),
  visit_reason: z.string().nullable(),
  sections: Sections,
  finalized_at: z.string().nullable(),
  signed_by: z.string().nullable(),
  signed_at: z.string().nullable(),
  ai: z.object({ provider: z.string(), model: z.string(), prompt_version: z.string() }).nullable(),
  suggestions: z.array(Suggestion),
  addenda: z.array(Addendum),
}).openapi("ClinicalNote");

export const NoteVersion = z
  .object({
    id: z.string(),
    version: z.number().int(),
    reason: z.enum(["finalized", "updated"]),
    sections: Sections,
    edited_by: z.string(),
    created_at: z.string(),
  })
  .openapi("ClinicalNoteVersion");

export const SignResult = z
  .object({ id: z.string(), signed_at: z.string(), signed_by: z.string() })
  .openapi("ClinicalNoteSignature");

export const AcceptResult = z
  .object({
    suggestion_id: z.string(),
    updated_section: z.string(),
    updated_content: z.string(),
    accepted_by: z.string(),
    accepted_at: z.string(),
    as_addendum: z.boolean(),
  })
  .openapi("AcceptedSuggestion");

export const Settings = z
  .object({ patients_see_finalized: z.boolean(), updated_at: z.string().nullable() })
  .openapi("ClinicalNoteSettings");
