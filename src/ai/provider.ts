/**
 * The AI provider interface: note generation, suggestions and summaries (JSON text), and speech
 * to text (pose estimation has its own interface, src/modules/pose/pose.estimator.ts). Workers AI answers where the `AI` binding exists and is
 * reachable; otherwise the embedded deterministic provider does, and every result says which one
 * produced it (`provider`), so a clinician never mistakes a fallback for a model's output.
 */
import type { Bindings } from "../env";
import { EmbeddedProvider } from "./embedded";
import { WorkersAiProvider } from "./workers-ai";

export type ProviderName = "workers-ai" | "embedded";

export type TextRequest = { system: string; prompt: string; maxTokens?: number };
export type TextResult = { text: string; provider: ProviderName; model: string };

export interface AiProvider {
  readonly name: ProviderName;
  generateText(request: TextRequest): Promise<TextResult>;
  transcribe(audio: Uint8Array): Promise<{ text: string; provider: ProviderName; model: string }>;
}

export const aiProviderName = (env: Pick<Bindings, "AI">): ProviderName =>
  env.AI ? "workers-ai" : "embedded";

/** Workers AI first; on any failure to reach it, the embedded provider, labelled as such. */
export class FallbackProvider implements AiProvider {
  readonly name: ProviderName;
  constructor(
    private readonly primary: AiProvider | null,
    private readonly fallback: AiProvider,
  ) {
    this.name = primary?.name ?? fallback.name;
  }

  async generateText(request: TextRequest) {
    if (this.primary) {
      try {
        return await this.primary.generateText(request);
      } catch {
        // Unreachable or failed: fall through to the embedded provider.
      }
    }
    return this.fallback.generateText(request);
  }

  async transcribe(audio: Uint8Array) {
    if (this.primary) {
      try {
        return await this.primary.transcribe(audio);
      } catch {
        // As above.
      }
    }
    return this.fallback.transcribe(audio);
  }
}

export function aiProvider(
  env: Pick<Bindings, "AI" | "AI_TEXT_MODEL" | "AI_GATEWAY_ID">,
): AiProvider {
  const primary = env.AI
    ? new WorkersAiProvider(env.AI, env.AI_TEXT_MODEL, env.AI_GATEWAY_ID)
    : null;
  return new FallbackProvider(primary, new EmbeddedProvider());
}
