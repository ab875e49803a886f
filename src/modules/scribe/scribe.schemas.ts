/**
 * Scribe requests (seed 002 §2.7). Any source maps onto segments `{id, speaker, text}`: pasted
 * `text` (split into `t1`, `t2`…), or `segments` given by the client from a chat's messages or a
 * call's transcript (message or span ids). Generated sentences cite those ids.
 */
import { z } from "@hono/zod-openapi";
import { UNSUPPORTED_REASONS } from "../../ai/evidence";
import { SECTION_MAX, Suggestion } from "../clinical-notes/clinical-notes.schemas";

export const Segment = z
  .object({
    id: z.string().min(1).max(64),
    speaker: z.string().max(64).nullish(),
    text: z.string().trim().min(1).max(SECTION_MAX),
  })
  .openapi("ScribeSegment");

/** A stored transcript (POST /api/v1/transcriptions) as the source: its spans are the segments. */
export const TranscriptSource = z
  .object({ kind: z.literal("transcript"), transcript_id: z.string().min(1).max(64) })
  .openapi("ScribeTranscriptSource");

const Source = z.object({
  text: z.string().trim().min(1).max(100_000).optional(),
  segments: z.array(Segment).min(1).max(2000).optional(),
  source: TranscriptSource.optional(),
});

const oneSource = <T extends z.infer<typeof Source>>(v: T) =>
  [v.text, v.segments, v.source].filter((s) => s !== undefined).length === 1;
const uniqueIds = <T extends z.infer<typeof Source>>(v: T) =>
  !v.segments || new Set(v.segments.map((s) => s.id)).size === v.segments.length;

/** Exactly one source: text, segments, a transcript, or (seed 002 §2.7) a chat or a call. */
const oneNoteSource = (v: GenerateNoteFields) => {
  const given = [v.text, v.segments, v.source].filter((s) => s !== undefined).length;
  const conversation = [v.chat_id, v.call_id].filter(Boolean).length;
  return given === 1 || (given === 0 && conversation === 1);
};

const GenerateNoteFields = Source.extend({
  patient_id: z.uuid().optional().openapi({
    description: "Required unless the note is drafted from a chat or call about a patient",
  }),
  template_type: z.string().min(1).max(50).openapi({ example: "soap" }),
  consultation_type: z.string().min(1).max(50).nullish(),
  visit_reason: z.string().trim().min(1).max(2000).nullish(),
  appointment_id: z.uuid().nullish(),
  chat_id: z.uuid().nullish().openapi({
    description:
      "Without text, segments or source: the chat whose messages the server reads (with the caller's access); sentences cite message ids",
  }),
  call_id: z.uuid().nullish().openapi({
    description:
      "Without text, segments or source: the call whose stored transcript the server reads (409 without one); sentences cite span ids",
  }),
  from: z.iso.datetime({ offset: true }).optional().openapi({
    description: "With chat_id as the source: first message time (inclusive)",
  }),
  to: z.iso.datetime({ offset: true }).optional().openapi({
    description: "With chat_id as the source: last message time (inclusive)",
  }),
  client_id: z.uuid().nullish(),
  /** Run on the queue and answer 202 with a job (long sources always do). */
  async: z.boolean().optional(),
});
type GenerateNoteFields = z.infer<typeof GenerateNoteFields>;

const oneNoteSourceIsChat = (v: GenerateNoteFields) =>
  v.text === undefined && v.segments === undefined && v.source === undefined;

export const GenerateNoteInput = GenerateNoteFields.refine(oneNoteSource, {
  message: "Give exactly one of text, segments, source, chat_id or call_id",
  path: ["text"],
})
  .refine((v) => (!v.from && !v.to) || (v.chat_id && oneNoteSourceIsChat(v)), {
    message: "A time window applies only to a chat read as the source",
    path: ["from"],
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, {
    message: "Must not be after `to`",
    path: ["from"],
  })
  .refine(uniqueIds, { message: "Segment ids must be unique", path: ["segments"] })
  .openapi("GenerateNoteInput");
export type GenerateNoteInput = z.infer<typeof GenerateNoteInput>;
/** A request whose source is in hand and whose patient is known (scribe.sources.ts). */
export type ResolvedNoteInput = GenerateNoteInput & { patient_id: string };

export const SummarizeCallInput = Source.extend({
  patient_id: z.uuid(),
  call_id: z.uuid().nullish(),
})
  .refine(oneSource, {
    message: "Give exactly one of text, segments or source",
    path: ["text"],
  })
  .refine(uniqueIds, { message: "Segment ids must be unique", path: ["segments"] })
  .openapi("SummarizeCallInput");
export type SummarizeCallInput = z.infer<typeof SummarizeCallInput>;

export const Sentence = z
  .object({
    section: z.string(),
    text: z.string(),
    sources: z.array(z.string()),
    unsupported: z.boolean(),
    /** Why it is unsupported (a code, src/ai/evidence.ts); null when supported. */
    unsupported_reason: z.enum(UNSUPPORTED_REASONS).nullable(),
  })
  .openapi("ScribeSentence");

const Provenance = {
  provider: z.enum(["workers-ai", "embedded"]),
  model: z.string(),
  prompt_version: z.string(),
};

/** Ids of the patient records put into the prompt as background (seed 002 §4.1); no text. */
export const ContextUsed = z
  .object({
    diagnoses: z.array(z.string()),
    medications: z.array(z.string()),
    allergies: z.array(z.string()),
    exercise_sessions: z.array(z.string()),
  })
  .openapi("ScribeContextUsed");

export const GeneratedNote = z
  .object({
    note_id: z.string(),
    sections: z.record(z.string(), z.string()),
    sentences: z.array(Sentence),
    unsupported_count: z.number().int(),
    ...Provenance,
    context_used: ContextUsed,
  })
  .openapi("GeneratedNote");

export const CallSummary = z
  .object({
    summary: z.string(),
    key_points: z.array(Sentence),
    ...Provenance,
  })
  .openapi("CallSummary");

export const ScribeJob = z
  .object({
    id: z.string(),
    kind: z.enum(["generate_note", "summarize_call"]),
    status: z.enum(["queued", "running", "succeeded", "failed"]),
    note_id: z.string().nullable(),
    result: GeneratedNote.nullable(),
    error: z.string().nullable(),
    provider: z.string().nullable(),
    model: z.string().nullable(),
    prompt_version: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("ScribeJob");

export const JobIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

export const GenerateSuggestionsInput = Source.extend({ note_id: z.uuid() })
  .refine(oneSource, {
    message: "Give exactly one of text, segments or source",
    path: ["text"],
  })
  .refine(uniqueIds, { message: "Segment ids must be unique", path: ["segments"] })
  .openapi("GenerateSuggestionsInput");
export type GenerateSuggestionsInput = z.infer<typeof GenerateSuggestionsInput>;

export const GeneratedSuggestions = z
  .object({
    note_id: z.string(),
    suggestions: z.array(Suggestion),
    unsupported_count: z.number().int(),
    ...Provenance,
    context_used: ContextUsed,
  })
  .openapi("GeneratedSuggestions");
