/** Workers AI through the `AI` binding: a Gemma-family instruction model for text, Whisper for speech. */
import { aiRunOptions } from "./gateway";
import type { AiProvider, TextRequest } from "./provider";

const WHISPER = "@cf/openai/whisper-large-v3-turbo";

export class WorkersAiProvider implements AiProvider {
  readonly name = "workers-ai" as const;
  constructor(
    private readonly ai: Ai,
    private readonly textModel: string,
    /** AI Gateway id (`AI_GATEWAY_ID`): calls go through it when set, unlogged and uncached. */
    private readonly gatewayId?: string,
  ) {}

  private options() {
    return aiRunOptions(this.gatewayId) as never;
  }

  async generateText({ system, prompt, maxTokens = 1024 }: TextRequest) {
    const result = (await this.ai.run(
      this.textModel as never,
      {
        messages: [
          { role: "system", content: system },
          { role: "user", content: prompt },
        ],
        max_tokens: maxTokens,
      } as never,
      this.options(),
    )) as { response?: string };
    if (typeof result?.response !== "string") throw new Error("Workers AI returned no text");
    return { text: result.response, provider: this.name, model: this.textModel };
  }

  async transcribe(audio: Uint8Array) {
    let binary = "";
    for (const byte of audio) binary += String.fromCharCode(byte);
    const result = (await this.ai.run(
      WHISPER as never,
      { audio: btoa(binary) } as never,
      this.options(),
    )) as { text?: string };
    if (typeof result?.text !== "string") throw new Error("Workers AI returned no transcription");
    return { text: result.text, provider: this.name, model: WHISPER };
  }
}
