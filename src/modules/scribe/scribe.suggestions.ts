/**
 * `POST /scribe/generate-suggestions`: the scribe run over a source (text, segments, a stored
 * transcript) for an existing note, its sentences stored as the note's suggestions (accepted one
 * by one through the clinical-notes accept route). Unsupported sentences are kept but flagged, as
 * in generate-note, so the clinician sees what the model claimed without evidence.
 */
import { clinicalNoteSuggestions, type SuggestionType } from "../../db/schema/clinical-notes";
import { factsOf } from "../../ai/facts";
import { draftNote, type ScribeSentence } from "../../ai/scribe";
import { auditEntry } from "../../lib/audit";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import { reachNote } from "../clinical-notes/clinical-notes.access";
import {
  presentSuggestion,
  suggestionRef,
  templateOf,
} from "../clinical-notes/clinical-notes.data";
import { consultationTypeById } from "../templates/templates.definitions";
import type { GenerateSuggestionsInput } from "./scribe.schemas";
import { aiConfig, segmentsOf } from "./scribe.service";
import { gatherPatientContext } from "./scribe.context";

const ACTION_SECTIONS = new Set(["plan", "recommendations", "goals", "intervention"]);
const FINDING_SECTIONS = new Set(["objective", "examination", "outcome_measures"]);

/** The suggestion's type from what the sentence asserts and where it goes. */
export function suggestionType(s: Pick<ScribeSentence, "section" | "text">): SuggestionType {
  if (factsOf(s.text).drugs.length) return "medication";
  if (ACTION_SECTIONS.has(s.section)) return "action";
  if (FINDING_SECTIONS.has(s.section)) return "finding";
  return "symptom";
}

/** Generates and stores suggestions for a note the caller may write; returns them. */
export async function generateSuggestions(ctx: RequestContext, input: GenerateSuggestionsInput) {
  await requirePermission(ctx, "scribe.use", {
    action: "scribe.generated",
    resourceType: "clinical_note",
    resourceId: input.note_id,
  });
  const { caller, note } = await reachNote(ctx, input.note_id, "write", "scribe.generated");
  const segments = await segmentsOf(ctx, input, note.patientId);
  const consultation = note.consultationType ? consultationTypeById(note.consultationType) : null;
  const context = await gatherPatientContext(ctx, note.patientId);
  const out = await draftNote(aiConfig(ctx), {
    template: templateOf(note.templateType),
    consultation,
    segments,
    context: context.lines,
  });
  const now = new Date().toISOString();
  const rows = await Promise.all(
    out.sentences.map(async (s) => {
      const id = uuidv7();
      return {
        id,
        workspaceId: caller.workspaceId,
        noteId: note.id,
        section: s.section,
        textEnc: await ctx.phi.encrypt(s.text, suggestionRef(id)),
        type: suggestionType(s),
        confidence: null,
        sources: JSON.stringify(s.sources),
        unsupported: s.unsupported,
        unsupportedReason: s.unsupported_reason,
        provider: out.provider,
        model: out.model,
        promptVersion: out.prompt_version,
        isAccepted: false,
        acceptedBy: null,
        acceptedAt: null,
        createdAt: now,
      };
    }),
  );
  const audit = await auditEntry(ctx, {
    action: "scribe.generated",
    resourceType: "clinical_note",
    resourceId: note.id,
    metadata: {
      kind: "suggestions",
      patient_id: note.patientId,
      provider: out.provider,
      model: out.model,
      prompt_version: out.prompt_version,
      suggestions: rows.length,
      unsupported: rows.filter((r) => r.unsupported).length,
      context_used: context.used,
    },
  });
  // D1 caps bound parameters per statement: one insert per suggestion, all in one batch.
  await ctx.db.write([
    audit.query,
    ...rows.map((r) => ctx.db.orm.insert(clinicalNoteSuggestions).values(r)),
  ]);
  return {
    note_id: note.id,
    suggestions: await Promise.all(rows.map((r) => presentSuggestion(ctx.phi, r))),
    unsupported_count: rows.filter((r) => r.unsupported).length,
    provider: out.provider,
    model: out.model,
    prompt_version: out.prompt_version,
    context_used: context.used,
  };
}
