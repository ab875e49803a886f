/**
 * The embedded provider: deterministic, offline, used when Workers AI is not bound or not
 * reachable (local development, tests, outages). It does not pretend to be a model: it extracts
 * and restates what it was given, and its results are labelled `provider: "embedded"`.
 */
import type { AiProvider, TextRequest } from "./provider";

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

  async transcribe(audio: Uint8Array) {
    return {
      text: `[embedded transcription unavailable: ${audio.byteLength} bytes of audio received]`,
      provider: this.name,
      model: "embedded-none",
    };
  }
}
