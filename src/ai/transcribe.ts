/**
 * Speech to text through Workers AI (Whisper family; `@cf/openai/whisper-large-v3-turbo` unless
 * `AI_TRANSCRIBE_MODEL` names another), optionally through AI Gateway (never logged or cached
 * there: src/ai/gateway.ts).
 *
 * Invariants: there is no fallback that invents text. Without an `AI` binding, or when the model
 * fails or answers something that is not a transcription, this throws TranscriptionUnavailable
 * (a 503 `transcription_unavailable`), and nothing is stored. Segments keep the model's start and
 * end times (seconds) and get stable ids (`s1`, `s2`…) that scribe sources cite as spans.
 */
import type { Bindings } from "../env";
import { AppError } from "../lib/errors";
import { aiRunOptions } from "./gateway";

export const DEFAULT_TRANSCRIBE_MODEL = "@cf/openai/whisper-large-v3-turbo";

export type TranscriptSegment = { id: string; start: number; end: number; text: string };
export type Transcription = {
  text: string;
  segments: TranscriptSegment[];
  language: string | null;
  durationSeconds: number | null;
  provider: "workers-ai";
  model: string;
};

export class TranscriptionUnavailable extends AppError {
  constructor() {
    super("SERVICE_UNAVAILABLE", "Transcription unavailable: no speech-to-text model reachable", {
      reason: "transcription_unavailable",
    });
  }
}

type WhisperSegment = { start?: unknown; end?: unknown; text?: unknown };
type WhisperWord = { word?: unknown; start?: unknown; end?: unknown };
type WhisperAnswer = {
  text?: unknown;
  segments?: WhisperSegment[];
  words?: WhisperWord[];
  transcription_info?: { language?: unknown; duration?: unknown };
};

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

function base64Of(bytes: Uint8Array) {
  let binary = "";
  // Chunks keep String.fromCharCode's argument list small.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Segments from the turbo model's `segments`, or from `words` (whisper v1) grouped by sentence. */
function segmentsOf(answer: WhisperAnswer): TranscriptSegment[] {
  const raw: { start: number; end: number; text: string }[] = [];
  if (Array.isArray(answer.segments)) {
    for (const s of answer.segments) {
      const start = num(s.start);
      const end = num(s.end);
      const text = typeof s.text === "string" ? s.text.trim() : "";
      if (start !== null && end !== null && text) raw.push({ start, end, text });
    }
  } else if (Array.isArray(answer.words)) {
    let current: { start: number; end: number; text: string } | null = null;
    for (const w of answer.words) {
      const start = num(w.start);
      const end = num(w.end);
      const word = typeof w.word === "string" ? w.word.trim() : "";
      if (start === null || end === null || !word) continue;
      const next: { start: number; end: number; text: string } = current
        ? { start: current.start, end, text: `${current.text} ${word}` }
        : { start, end, text: word };
      current = next;
      if (/[.!?]$/.test(word)) {
        raw.push(next);
        current = null;
      }
    }
    if (current) raw.push(current);
  }
  return raw.map((s, i) => ({ id: `s${i + 1}`, ...s }));
}

/** Transcribes audio bytes, or throws TranscriptionUnavailable; see the invariants. */
export async function transcribeAudio(
  env: Pick<Bindings, "AI" | "AI_TRANSCRIBE_MODEL" | "AI_GATEWAY_ID">,
  audio: Uint8Array,
): Promise<Transcription> {
  if (!env.AI) throw new TranscriptionUnavailable();
  const model = env.AI_TRANSCRIBE_MODEL || DEFAULT_TRANSCRIBE_MODEL;
  // whisper-large-v3-turbo takes base64; the original whisper models take a byte array.
  const input = model.includes("large-v3") ? { audio: base64Of(audio) } : { audio: [...audio] };
  const options = aiRunOptions(env.AI_GATEWAY_ID);
  let answer: WhisperAnswer;
  try {
    answer = (await env.AI.run(model as never, input as never, options as never)) as WhisperAnswer;
  } catch {
    throw new TranscriptionUnavailable();
  }
  if (!answer || typeof answer.text !== "string") throw new TranscriptionUnavailable();
  const segments = segmentsOf(answer);
  const text = answer.text.trim();
  return {
    text,
    // A model that gives text without timings still yields one span covering it.
    segments: segments.length || !text ? segments : [{ id: "s1", start: 0, end: 0, text }],
    language:
      typeof answer.transcription_info?.language === "string"
        ? answer.transcription_info.language
        : null,
    durationSeconds: num(answer.transcription_info?.duration),
    provider: "workers-ai",
    model,
  };
}
