/**
 * The scribe pipeline on transcripts written for these tests: every vital, dose, drug and allergy
 * stated appears with its source, nothing unstated appears; a scripted AI binding (Workers AI is
 * unreachable here) checks validation, the one repair attempt and the 502.
 */
import { describe, expect, it } from "vitest";
import { segmentsFromText, type Segment } from "../../src/ai/facts";
import { draftNote, embeddedDraft } from "../../src/ai/scribe";
import { NOTE_TEMPLATES } from "../../src/modules/templates/templates.definitions";

const soap = NOTE_TEMPLATES.find((t) => t.id === "soap")!;
const transcript: Segment[] = [
  { id: "m1", speaker: "Clinician", text: "How has the knee been since last week?" },
  {
    id: "m2",
    speaker: "Patient",
    text: "Still sore on the stairs, pain is about 6/10 in the mornings.",
  },
  {
    id: "m3",
    speaker: "Patient",
    text: "I take ibuprofen 400 mg three times daily and I am allergic to penicillin.",
  },
  {
    id: "m4",
    speaker: "Clinician",
    text: "Your blood pressure is 132/84 and heart rate 76 today.",
  },
  { id: "m5", speaker: "Patient", text: "I did my quad sets, 3 sets of 10 reps every day." },
  { id: "m6", speaker: "Clinician", text: "We will continue the programme and review in 2 weeks." },
];

const all = (out: ReturnType<typeof embeddedDraft>) => out.sentences.map((s) => s.text).join(" ");

describe("scribe engine: happy", () => {
  it("keeps every stated vital, dose, drug and allergy with its source, and invents nothing", () => {
    const out = embeddedDraft({ template: soap, consultation: null, segments: transcript });
    expect(out).toMatchObject({ provider: "embedded", prompt_version: "scribe-note-v2" });
    const find = (needle: string) => out.sentences.find((s) => s.text.includes(needle));
    expect(find("132/84")).toMatchObject({
      section: "objective",
      sources: ["m4"],
      unsupported: false,
    });
    expect(find("Heart rate 76")).toMatchObject({ sources: ["m4"] });
    expect(find("ibuprofen 400 mg")).toMatchObject({ section: "subjective", sources: ["m3"] });
    expect(find("three times daily")).toBeDefined();
    expect(find("penicillin")).toMatchObject({ sources: ["m3"] });
    expect(find("Pain 6/10")).toMatchObject({ sources: ["m2"] });
    expect(find("quad sets")).toMatchObject({ sources: ["m5"] });
    expect(find("review in 2 weeks")).toMatchObject({ section: "plan", sources: ["m6"] });
    expect(out.sentences.every((s) => !s.unsupported && s.sources.length === 1)).toBe(true);
    // Nothing unstated: no other drug, number or assessment is made up.
    const text = all(out);
    for (const absent of ["mg/kg", "paracetamol", "temperature", "oxygen", "diagnosis"]) {
      expect(text.toLowerCase()).not.toContain(absent);
    }
    const stated = new Set(transcript.flatMap((s) => s.text.match(/\d+/g) ?? []));
    for (const n of text.match(/\d+/g) ?? []) expect(stated.has(n), n).toBe(true);
    expect(out.sentences.filter((s) => s.section === "assessment")).toEqual([]);
  });

  it("splits pasted text into segments with speakers", () => {
    const segs = segmentsFromText(
      "Patient: My back hurts, 7/10.\nDoctor: BP 120/80. No known allergies.",
    );
    expect(segs.map((s) => s.id)).toEqual(["t1", "t2", "t3"]);
    expect(segs[0]).toMatchObject({ speaker: "Patient", text: "My back hurts, 7/10." });
    const out = embeddedDraft({ template: soap, consultation: null, segments: segs });
    expect(out.sentences.map((s) => [s.text, s.sources[0]])).toEqual(
      expect.arrayContaining([
        ["Pain 7/10.", "t1"],
        ["Blood pressure 120/80.", "t2"],
        ["No known drug allergies.", "t3"],
      ]),
    );
  });
});

const scripted = (...answers: string[]) => {
  const calls: unknown[] = [];
  const ai = {
    run: async (_model: string, input: unknown) => {
      calls.push(input);
      const next = answers.shift();
      if (next === undefined) throw new Error("no more answers");
      return { response: next };
    },
  } as unknown as Ai;
  return { ai, calls };
};

describe("scribe engine: errors", () => {
  it("repairs a malformed model answer once, and flags a sentence whose facts are not in its sources", async () => {
    const good = JSON.stringify({
      sentences: [
        { section: "objective", text: "BP 132/84, HR 76.", sources: ["m4"] },
        { section: "plan", text: "Start naproxen 500 mg twice daily.", sources: ["m6"] },
        { section: "subjective", text: "Pain 6/10 on stairs.", sources: [] },
      ],
    });
    const { ai, calls } = scripted("Sure! Here is the note: subjective...", good);
    const out = await draftNote(
      { ai, textModel: "@cf/google/gemma-3-12b-it" },
      { template: soap, consultation: null, segments: transcript },
    );
    expect(calls).toHaveLength(2);
    expect(out).toMatchObject({ provider: "workers-ai", model: "@cf/google/gemma-3-12b-it" });
    expect(out.sentences.map((s) => s.unsupported)).toEqual([false, true, true]);
  });

  it("answers 502 when the repaired answer is still nonsense, and falls back when unreachable", async () => {
    const { ai } = scripted(
      "{not json",
      JSON.stringify({ sentences: [{ section: "nope", text: "x", sources: [] }] }),
    );
    await expect(
      draftNote(
        { ai, textModel: "m" },
        { template: soap, consultation: null, segments: transcript },
      ),
    ).rejects.toMatchObject({ status: 502, code: "EXTERNAL_SERVICE_ERROR" });
    const down = scripted();
    const out = await draftNote(
      { ai: down.ai, textModel: "m" },
      { template: soap, consultation: null, segments: transcript },
    );
    expect(out.provider).toBe("embedded");
  });
});

describe("scribe engine: security", () => {
  it("drops cited ids that are not segments of the request", () => {
    const out = embeddedDraft({ template: soap, consultation: null, segments: transcript });
    const ids = new Set(transcript.map((s) => s.id));
    expect(out.sentences.flatMap((s) => s.sources).every((id) => ids.has(id))).toBe(true);
  });
});
