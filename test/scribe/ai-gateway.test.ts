/**
 * AI calls carry no patient data into AI Gateway's logs or cache: every `env.AI.run` through the
 * gateway (note drafting, both Whisper paths) passes `collectLog: false` and `skipCache: true`.
 * Workers AI cannot be reached here, so the providers get a binding that records its calls.
 */
import { describe, expect, it } from "vitest";
import { aiProvider } from "../../src/ai/provider";
import { draftNote } from "../../src/ai/scribe";
import { transcribeAudio } from "../../src/ai/transcribe";
import { NOTE_TEMPLATES } from "../../src/modules/templates/templates.definitions";

const soap = NOTE_TEMPLATES.find((t) => t.id === "soap")!;
const segments = [{ id: "m1", text: "My knee pain is 3 out of 10." }];
const GATEWAY = { gateway: { id: "clinic-gw", collectLog: false, skipCache: true } };

/** A binding that records (model, input, options) and answers like the model would. */
function recordingAi() {
  const calls: { model: string; input: unknown; options: unknown }[] = [];
  const ai = {
    run: async (model: string, input: unknown, options?: unknown) => {
      calls.push({ model, input, options });
      if (model.includes("whisper")) return { text: "My knee pain is 3 out of 10." };
      return {
        response: JSON.stringify({
          sentences: [{ section: "subjective", text: "Knee pain 3/10.", sources: ["m1"] }],
        }),
      };
    },
  } as unknown as Ai;
  return { ai, calls };
}

describe("AI gateway options: happy", () => {
  it("drafting a note through the gateway asks it to keep no log and no cache", async () => {
    const { ai, calls } = recordingAi();
    const out = await draftNote(
      { ai, textModel: "@cf/google/gemma-3-12b-it", gatewayId: "clinic-gw" },
      { template: soap, consultation: null, segments },
    );
    expect(out.provider).toBe("workers-ai");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options).toEqual(GATEWAY);
  });

  it("transcription (both Whisper paths) passes the same options", async () => {
    const { ai, calls } = recordingAi();
    await transcribeAudio({ AI: ai, AI_GATEWAY_ID: "clinic-gw" }, new Uint8Array([1, 2, 3]));
    await aiProvider({ AI: ai, AI_TEXT_MODEL: "m", AI_GATEWAY_ID: "clinic-gw" }).transcribe(
      new Uint8Array([1, 2, 3]),
    );
    expect(calls.map((c) => c.options)).toEqual([GATEWAY, GATEWAY]);
  });
});

describe("AI gateway options: errors", () => {
  it("without a gateway id a call goes straight to Workers AI, with no gateway options", async () => {
    const { ai, calls } = recordingAi();
    await draftNote({ ai, textModel: "m" }, { template: soap, consultation: null, segments });
    await transcribeAudio({ AI: ai }, new Uint8Array([1]));
    expect(calls.map((c) => c.options)).toEqual([undefined, undefined]);
  });
});

describe("AI gateway options: security", () => {
  it("sends no metadata that could carry patient data to the gateway", async () => {
    const { ai, calls } = recordingAi();
    await aiProvider({ AI: ai, AI_TEXT_MODEL: "m", AI_GATEWAY_ID: "clinic-gw" }).generateText({
      system: "s",
      prompt: "My knee pain is 3 out of 10.",
    });
    const options = calls[0]!.options as { gateway: Record<string, unknown> };
    expect(Object.keys(options.gateway).sort()).toEqual(["collectLog", "id", "skipCache"]);
  });
});
