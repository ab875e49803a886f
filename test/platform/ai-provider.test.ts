/**
 * The AI provider choice and its fallback. Workers AI is not reachable in tests, so the `AI`
 * binding is replaced by small fakes that stand in for that service only.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EmbeddedProvider } from "../../src/ai/embedded";
import { aiProvider, aiProviderName, FallbackProvider } from "../../src/ai/provider";
import { WorkersAiProvider } from "../../src/ai/workers-ai";

const request = {
  system: "You write SOAP notes.",
  prompt: "Patient reports less knee pain. Squats improved to 90 degrees!\nContinue the plan.",
};

const fakeAi = (run: (model: string, input: unknown) => Promise<unknown>) =>
  ({ run }) as unknown as Ai;

const unreachable = fakeAi(async () => {
  throw new Error("Workers AI unreachable");
});

describe("happy", () => {
  it("without an AI binding the provider is embedded and deterministic", async () => {
    expect(env.AI).toBeUndefined();
    expect(aiProviderName(env)).toBe("embedded");
    const provider = aiProvider(env);
    expect(provider.name).toBe("embedded");
    const first = await provider.generateText(request);
    const second = await aiProvider(env).generateText(request);
    expect(first).toEqual(second);
    expect(first.provider).toBe("embedded");
    expect(first.text).toBe(
      "Patient reports less knee pain.\nSquats improved to 90 degrees!\nContinue the plan.",
    );
    // No speech model: a clear 503, never placeholder text.
    await expect(provider.transcribe(new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({
      status: 503,
      details: { reason: "transcription_unavailable" },
    });
  });

  it("with a binding that answers, the result is labelled workers-ai with its model", async () => {
    const calls: { model: string; input: any }[] = [];
    const ai = fakeAi(async (model, input) => {
      calls.push({ model, input });
      return model.includes("whisper") ? { text: "hello" } : { response: "S: less pain." };
    });
    const provider = aiProvider({ AI: ai, AI_TEXT_MODEL: env.AI_TEXT_MODEL });
    expect(aiProviderName({ AI: ai })).toBe("workers-ai");
    expect(await provider.generateText(request)).toEqual({
      text: "S: less pain.",
      provider: "workers-ai",
      model: env.AI_TEXT_MODEL,
    });
    expect(calls[0]!.model).toBe(env.AI_TEXT_MODEL);
    expect(calls[0]!.input.messages).toEqual([
      { role: "system", content: request.system },
      { role: "user", content: request.prompt },
    ]);
    const heard = await provider.transcribe(new Uint8Array([104, 105]));
    expect(heard).toMatchObject({ text: "hello", provider: "workers-ai" });
    expect(calls[1]!.input.audio).toBe(btoa("hi"));
  });
});

describe("errors", () => {
  it("when Workers AI is unreachable, the embedded provider answers and says so", async () => {
    const provider = aiProvider({ AI: unreachable, AI_TEXT_MODEL: env.AI_TEXT_MODEL });
    const text = await provider.generateText(request);
    expect(text).toEqual(await new EmbeddedProvider().generateText(request));
    expect(text.provider).toBe("embedded");
    expect(text.model).toBe("embedded-extractive-v1");
    await expect(provider.transcribe(new Uint8Array(8))).rejects.toMatchObject({ status: 503 });
  });

  it("a malformed Workers AI answer falls back too, labelled embedded", async () => {
    const empty = fakeAi(async () => ({ something: "else" }));
    const provider = new FallbackProvider(
      new WorkersAiProvider(empty, "@cf/test/model"),
      new EmbeddedProvider(),
    );
    expect((await provider.generateText(request)).provider).toBe("embedded");
    await expect(provider.transcribe(new Uint8Array(2))).rejects.toMatchObject({ status: 503 });
  });
});
