/**
 * The scribe verbs: draft a note from segments into a stored draft (supported sentences fill
 * the sections; unsupported ones are kept only as flagged suggestions for the clinician, with
 * their reason, never silently in the text), and summarize a call's transcript. Clinicians with a relation to the
 * patient only; every run audited with provider, model and prompt version.
 */
import { clinicalNotes, clinicalNoteSuggestions } from "../../db/schema/clinical-notes";
import { and, eq, isNull } from "drizzle-orm";
import { segmentsFromText, type Segment } from "../../ai/facts";
import { draftNote, type ScribeOutput } from "../../ai/scribe";
import { auditEntry } from "../../lib/audit";
import { uuidv7 } from "../../lib/ids";
import { follow, guardedWrite } from "../../lib/guarded-write";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, requirePermission } from "../../policy/policy";
import { suggestionRef, templateOf } from "../clinical-notes/clinical-notes.data";
import { createNote } from "../clinical-notes/clinical-notes.service";
import { consultationTypeById, NOTE_TEMPLATES } from "../templates/templates.definitions";
import { ValidationError } from "../../lib/errors";
import { SECTION_MAX } from "../clinical-notes/clinical-notes.schemas";
import { getTranscription } from "../transcriptions/transcriptions.service";
import type { ResolvedNoteInput, SummarizeCallInput } from "./scribe.schemas";
import { gatherPatientContext, type ContextUsed } from "./scribe.context";

export const aiConfig = (ctx: RequestContext) => ({
  ai: ctx.env.AI,
  textModel: ctx.env.AI_TEXT_MODEL,
  gatewayId: ctx.env.AI_GATEWAY_ID,
});

/**
 * The segments a draft cites: given, split from pasted text, or a stored transcript's spans (read
 * with the transcript's own access rule and audited; it must be the same patient's).
 */
export async function segmentsOf(
  ctx: RequestContext,
  input: { text?: string; segments?: Segment[]; source?: { transcript_id: string } },
  patientId: string,
): Promise<Segment[]> {
  if (input.segments) return input.segments;
  if (!input.source) return segmentsFromText(input.text ?? "");
  const transcript = await getTranscription(ctx, input.source.transcript_id);
  if (transcript.patient_id !== patientId)
    throw new ValidationError([
      { field: "source.transcript_id", message: "Not a transcript of this patient" },
    ]);
  const spans = transcript.segments
    .filter((s) => s.text.trim())
    .map((s) => ({ id: s.id, speaker: null, text: s.text.trim().slice(0, SECTION_MAX) }));
  if (!spans.length)
    throw new ValidationError([
      { field: "source.transcript_id", message: "The transcript is empty" },
    ]);
  return spans;
}

/** Checks the caller may use the scribe for this patient (denials audited). */
export async function scribeCaller(ctx: RequestContext, patientId: string) {
  const audit = {
    action: "scribe.generated" as const,
    resourceType: "patient",
    resourceId: patientId,
  };
  await requirePermission(ctx, "scribe.use", audit);
  return accessPatient(ctx, patientId, "write", audit);
}

/** Generates a draft note from segments; returns it with every sentence and its sources. */
export async function generateNote(ctx: RequestContext, input: ResolvedNoteInput) {
  const template = templateOf(input.template_type);
  await scribeCaller(ctx, input.patient_id);
  const segments = await segmentsOf(ctx, input, input.patient_id);
  const consultation = input.consultation_type
    ? consultationTypeById(input.consultation_type)
    : null;
  const context = await gatherPatientContext(ctx, input.patient_id);
  const out = await draftNote(aiConfig(ctx), {
    template,
    consultation,
    segments,
    context: context.lines,
  });
  const sections: Record<string, string> = {};
  for (const s of out.sentences.filter((s) => !s.unsupported)) {
    sections[s.section] = sections[s.section] ? `${sections[s.section]} ${s.text}` : s.text;
  }
  const note = await createNote(ctx, {
    patient_id: input.patient_id,
    template_type: template.id,
    consultation_type: input.consultation_type,
    visit_reason: input.visit_reason,
    appointment_id: input.appointment_id,
    chat_id: input.chat_id,
    call_id: input.call_id,
    sections,
    is_draft: true,
    client_id: input.client_id,
  });
  // A replayed client_id returns the first note: its suggestions and audit are already stored
  // (or, when the first attempt stopped before them, stored now unless the note is signed).
  if (!(input.client_id && (await hasProvenance(ctx, ctx.caller!.workspaceId, note.id))))
    await storeProvenance(ctx, note.id, input.patient_id, out, context.used);
  return {
    note_id: note.id,
    sections: note.sections,
    sentences: out.sentences,
    unsupported_count: out.sentences.filter((s) => s.unsupported).length,
    provider: out.provider,
    model: out.model,
    prompt_version: out.prompt_version,
    context_used: context.used,
  };
}

async function hasProvenance(ctx: RequestContext, workspaceId: string, noteId: string) {
  const [[row]] = await ctx.db.read([
    ctx.db.orm
      .select({ ai: clinicalNotes.aiProvenance })
      .from(clinicalNotes)
      .where(and(eq(clinicalNotes.id, noteId), eq(clinicalNotes.workspaceId, workspaceId)))
      .limit(1),
  ]);
  return Boolean(row?.ai);
}

/** Records the AI provenance on the note and keeps unsupported sentences as flagged suggestions. */
async function storeProvenance(
  ctx: RequestContext,
  noteId: string,
  patientId: string,
  out: ScribeOutput,
  contextUsed: ContextUsed,
) {
  const now = new Date().toISOString();
  const workspaceId = ctx.caller!.workspaceId;
  const suggestions = await Promise.all(
    out.sentences
      .filter((s) => s.unsupported)
      .map(async (s) => {
        const id = uuidv7();
        return follow(clinicalNoteSuggestions, {
          id,
          workspaceId,
          noteId,
          section: s.section,
          textEnc: await ctx.phi.encrypt(s.text, suggestionRef(id)),
          type: "finding",
          confidence: null,
          sources: JSON.stringify(s.sources),
          unsupported: true,
          unsupportedReason: s.unsupported_reason,
          provider: out.provider,
          model: out.model,
          promptVersion: out.prompt_version,
          createdAt: now,
        });
      }),
  );
  const provenance = {
    provider: out.provider,
    model: out.model,
    prompt_version: out.prompt_version,
  };
  // Guarded: provenance and suggestions land once, and never on a signed (or deleted) note.
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(clinicalNotes)
      .set({ aiProvenance: JSON.stringify(provenance) })
      .where(
        and(
          eq(clinicalNotes.id, noteId),
          eq(clinicalNotes.workspaceId, workspaceId),
          isNull(clinicalNotes.aiProvenance),
          isNull(clinicalNotes.signedAt),
          isNull(clinicalNotes.deletedAt),
        ),
      ),
    audit: {
      action: "scribe.generated",
      resourceType: "clinical_note",
      resourceId: noteId,
      metadata: {
        patient_id: patientId,
        provider: out.provider,
        model: out.model,
        prompt_version: out.prompt_version,
        sentences: out.sentences.length,
        unsupported: suggestions.length,
        context_used: contextUsed,
      },
    },
    rows: suggestions,
  });
  return changed;
}

/** Summarizes a call's transcript: key points citing their spans, nothing stored but the audit. */
export async function summarizeCall(ctx: RequestContext, input: SummarizeCallInput) {
  await scribeCaller(ctx, input.patient_id);
  const segments = await segmentsOf(ctx, input, input.patient_id);
  const template = NOTE_TEMPLATES.find((t) => t.id === "soap")!;
  const out = await draftNote(aiConfig(ctx), { template, consultation: null, segments });
  const audit = await auditEntry(ctx, {
    action: "scribe.generated",
    resourceType: "patient",
    resourceId: input.patient_id,
    metadata: { kind: "call_summary", call_id: input.call_id ?? null, provider: out.provider },
  });
  await ctx.db.write([audit.query]);
  const supported = out.sentences.filter((s) => !s.unsupported);
  return {
    summary: supported.map((s) => s.text).join(" "),
    key_points: out.sentences,
    provider: out.provider,
    model: out.model,
    prompt_version: out.prompt_version,
  };
}
