/**
 * The embedded provider: deterministic, offline, used when Workers AI is not bound or not
 * reachable (local development, tests, outages). It does not pretend to be a model: it extracts
 * and restates what it was given, and its results are labelled `provider: "embedded"`.
 */
import type { AiProvider, TextRequest } from "./provider";
import { TranscriptionUnavailable } from "./transcribe";

export class EmbeddedProvider implements AiProvider {
  readonly name = "embedded" as const;

  async generateText({ prompt }: TextRequest) {
    const sentences = prompt
      .split(/(?<=[.!?])\s+|\n+/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return {
      text: sentences.slice(0, 12).join("\n"),
      provider: this.name,
      model: "embedded-extractive-v1",
    };
  }

  /** No speech model here: a clear 503, never invented or placeholder text (src/ai/transcribe.ts). */
  async transcribe(_audio: Uint8Array): Promise<never> {
    throw new TranscriptionUnavailable();
  }
}
