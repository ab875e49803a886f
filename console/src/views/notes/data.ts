/**
 * What the notes pages read besides notes: templates and consultation types (product definitions
 * from the API), the caller's patients (names for lists and pickers), and the text behind a
 * scribe sentence's source ids (a chat's messages, a call transcript's spans, or pasted lines).
 */
import { api, type Schemas } from "../../api";

export type Note = Schemas["ClinicalNote"];
export type NoteSummary = Schemas["ClinicalNoteSummary"];
export type Template = Schemas["NoteTemplate"];
export type Sentence = Schemas["ScribeSentence"];
export type Suggestion = Schemas["ClinicalNoteSuggestion"];
export type Patient = Schemas["PatientSummary"];
/** Source id → the quoted text and who said it. */
export type Quotes = Record<string, { speaker: string | null; text: string }>;

// Templates are constants on the server: one request per page load is plenty.
let templates: Promise<Template[]> | null = null;
export function loadTemplates(): Promise<Template[]> {
  templates ??= api.GET("/api/v1/templates").catch((error) => {
    templates = null;
    throw error;
  });
  return templates;
}

export function loadConsultationTypes() {
  return api.GET("/api/v1/consultation-types");
}

/** The patients the caller may see (staff: their care team, admins: the clinic). */
export async function loadPatients(): Promise<Patient[]> {
  const rows = await api.GET("/api/v1/patients", { params: { query: { page_size: 100 } } });
  return rows.filter((p): p is Patient => "mrn" in p);
}

export const patientName = (patients: Patient[] | undefined, id: string) =>
  patients?.find((p) => p.id === id)?.name ?? "Patient";

/** The patient's chats among the caller's own (the chat list carries each chat's patient). */
export async function loadPatientChats(patientId: string) {
  const chats = await api.GET("/api/v1/chats", { params: { query: { page_size: 100 } } });
  return chats.filter((c) => c.patient_id === patientId);
}

/**
 * The caller's calls with this patient's user (the call log names each call's peers), newest
 * first; whether a call has a transcript the scribe can read is the API's answer (409 if not).
 */
export async function loadPatientCalls(patientUserId: string | null) {
  if (!patientUserId) return [];
  const logs = await api.GET("/api/v1/call-logs", { params: { query: { page_size: 50 } } });
  return logs.filter((l) => l.peers.some((p) => p.id === patientUserId));
}

/** The most messages a draft reads (the scribe's segment limit), fetched 100 at a time. */
const MAX_MESSAGES = 2000;

/** A chat's messages as quotes by message id (the ids a chat-drafted sentence cites). */
export async function chatQuotes(chatId: string): Promise<Quotes> {
  const out: Quotes = {};
  let before: number | undefined;
  for (let read = 0; read < MAX_MESSAGES;) {
    const chat = await api.GET("/api/v1/chats/{id}", {
      params: {
        path: { id: chatId },
        query: { limit: 100, ...(before && { before_seq: before }) },
      },
    });
    const roles = new Map(chat.participants.map((p) => [p.user_id, p.role]));
    for (const m of chat.messages) {
      const text = m.type === "voice" ? m.transcription : m.content;
      if (text) out[m.id] = { speaker: roles.get(m.sender.id) ?? null, text };
    }
    read += chat.messages.length;
    if (!chat.next_before_seq || !chat.messages.length) break;
    before = chat.next_before_seq;
  }
  return out;
}

/** A call's transcript spans as quotes by span id (the ids a call-drafted sentence cites). */
export async function callQuotes(callId: string): Promise<Quotes> {
  const call = await api.GET("/api/v1/calls/{id}", { params: { path: { id: callId } } });
  if (!call.transcript_id) return {};
  return transcriptQuotes(call.transcript_id);
}

export async function transcriptQuotes(transcriptId: string): Promise<Quotes> {
  const t = await api.GET("/api/v1/transcriptions/{id}", {
    params: { path: { id: transcriptId } },
  });
  const out: Quotes = {};
  for (const s of t.segments) out[s.id] = { speaker: null, text: s.text };
  return out;
}

/**
 * Pasted text as segments the page numbers itself (`p1`, `p2`… one per non-empty line, a
 * leading "Name:" read as the speaker), so every cited id maps back to the exact line.
 */
export function pastedSegments(text: string) {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line, i) => {
      const m = /^([A-Za-z][A-Za-z .'-]{0,30}):\s+(.+)$/.exec(line);
      return { id: `p${i + 1}`, speaker: m ? m[1]! : null, text: m ? m[2]! : line };
    });
}

export function quotesOfSegments(segments: ReturnType<typeof pastedSegments>): Quotes {
  return Object.fromEntries(segments.map((s) => [s.id, { speaker: s.speaker, text: s.text }]));
}

export type GeneratedNote = Schemas["GeneratedNote"];
/**
 * A scribe draft just made in this tab, by note id: the sentences with their sources are in the
 * generate answer only (the note keeps the supported text and the flagged suggestions), so the
 * editor shows them from here.
 */
export const scribeDrafts = new Map<string, { result: GeneratedNote; quotes: Quotes }>();

export const STAFF = ["admin", "physiotherapist", "doctor", "nurse"];

export function statusOf(n: NoteSummary): string {
  if (n.deleted_at) return "Deleted";
  if (n.is_signed) return `Signed (version ${n.version})`;
  if (!n.is_draft) return `Final (version ${n.version})`;
  return "Draft";
}
