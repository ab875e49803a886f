/**
 * Facts in clinical text, for two jobs: the embedded provider's rule-based extraction (what a
 * transcript states: vitals, pain scores, medications with doses, allergies, complaints,
 * exercises done, plan items), and the facts of a sentence the evidence check (evidence.ts)
 * looks for in its sources: numbers, doses and drug names (vocabulary.ts).
 */
import { isDrugWord, wordsOf } from "./vocabulary";

export type Segment = { id: string; speaker?: string | null; text: string };

const UNITS = "mg|mcg|µg|g|ml|mL|units?|iu|IU|mmol";
const DOSE = new RegExp(`(\\d+(?:\\.\\d+)?)\\s*(${UNITS})\\b`, "g");
const FREQUENCY =
  /\b(once daily|twice daily|three times daily|four times daily|daily|nightly|at night|every \d+ hours|as needed|bid|tid|qid|prn|weekly)\b/i;
const numbersIn = (s: string) => s.match(/\d+(?:\.\d+)?/g) ?? [];

/** The facts a sentence asserts: numbers, doses (number + unit) and drug names. */
export function factsOf(sentence: string) {
  const doses = [...sentence.matchAll(DOSE)].map((m) => `${m[1]}${m[2]!.toLowerCase()}`);
  const drugs = wordsOf(sentence).filter(isDrugWord);
  const dosed = [
    ...sentence.matchAll(
      new RegExp(`\\b([A-Za-z][a-z]{2,})\\s+\\d+(?:\\.\\d+)?\\s*(?:${UNITS})\\b`, "g"),
    ),
  ]
    .map((m) => m[1]!.toLowerCase())
    .filter((w) => !STOP.has(w));
  return { numbers: numbersIn(sentence), doses, drugs: [...new Set([...drugs, ...dosed])] };
}

const STOP = new Set([
  "take",
  "takes",
  "taking",
  "took",
  "of",
  "to",
  "and",
  "with",
  "about",
  "start",
  "started",
  "increase",
  "reduce",
  "prescribe",
  "prescribed",
  "continue",
  "dose",
  "the",
  "at",
  "on",
  "from",
  "is",
  "was",
  "per",
]);

export type FactKind =
  "complaint" | "pain" | "vital" | "medication" | "allergy" | "exercise" | "plan";

export type Fact = { kind: FactKind; text: string; source: string };

const sentencesOf = (text: string) =>
  text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9"'(])|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);

const clean = (s: string) =>
  s
    .replace(/\s+/g, " ")
    .replace(/[\s,;:]+$/, "")
    .trim();
const sentence = (s: string) => {
  const c = clean(s);
  return /[.!?]$/.test(c) ? c : `${c}.`;
};

const VITALS: [RegExp, (m: RegExpMatchArray) => string][] = [
  [
    /\b(?:BP|blood pressure)\D{0,20}?(\d{2,3})\s*(?:\/|over)\s*(\d{2,3})\b/i,
    (m) => `Blood pressure ${m[1]}/${m[2]}`,
  ],
  [/\b(?:HR|heart rate|pulse)\D{0,20}?(\d{2,3})\b/i, (m) => `Heart rate ${m[1]} bpm`],
  [
    /\b(?:temp(?:erature)?)\D{0,20}?(\d{2,3}(?:\.\d)?)\s*(?:°\s*)?([CF])?\b/i,
    (m) => `Temperature ${m[1]}${m[2] ? ` °${m[2].toUpperCase()}` : ""}`,
  ],
  [
    /\b(?:SpO2|O2 sat(?:uration)?|oxygen(?: saturation)?|sats?)\D{0,20}?(\d{2,3})\s*%/i,
    (m) => `Oxygen saturation ${m[1]}%`,
  ],
  [
    /\b(?:RR|respiratory rate|respirations?)\D{0,20}?(\d{1,2})\b/i,
    (m) => `Respiratory rate ${m[1]}/min`,
  ],
  [
    /\b(?:weight|weighs|weighed)\D{0,20}?(\d{2,3}(?:\.\d)?)\s*(kg|lbs?|pounds)\b/i,
    (m) => `Weight ${m[1]} ${m[2]}`,
  ],
];

const COMPLAINT =
  /\b(pain|ache|aching|hurts?|sore|stiff(?:ness)?|swell(?:ing|en)|numb(?:ness)?|tingling|dizz(?:y|iness)|headaches?|nause(?:a|ous)|fatigue|tired|weak(?:ness)?|cramp|spasm|burning|shortness of breath|cough|fever|instability|gives way|clicking|locking)\b/i;
const EXERCISE =
  /\b(did|done|completed|performed|managed|doing|been doing)\b.*\b(squats?|lunges?|bridges?|quad sets?|heel slides?|straight leg raises?|leg raises?|step-?ups?|planks?|stretch(?:es|ing)?|exercises?|reps?|sets?|walk(?:ed|ing)?|cycling|band work|calf raises?)\b/i;
const PLAN =
  /\b(plan|we will|we'll|i will|i'll|continue|start(?:ing)?|stop|follow[- ]?up|review|schedule|book|refer(?:ral)?|prescrib(?:e|ed|ing)|increase|reduce|decrease|taper|order(?:ed)?|recheck|come back|return in|see you in|next (?:week|visit|session))\b/i;
const ALLERGY = [
  /\ballergic to ([a-z][a-z -]{1,40}?)(?=[.,;!?]|\s+(?:and|but|which|it|so)\b|$)/gi,
  /\ballerg(?:y|ies) to ([a-z][a-z -]{1,40}?)(?=[.,;!?]|\s+(?:and|but|which|it|so)\b|$)/gi,
  /\b([a-z]{3,30}) allergy\b/gi,
];
const NO_ALLERGY = /\b(no known (?:drug )?allergies|nkda|no allergies)\b/i;

/** Rule-based extraction of what a transcript states, each fact with its segment id. */
export function extractFacts(segments: Segment[]): Fact[] {
  const facts: Fact[] = [];
  const add = (kind: FactKind, text: string, source: string) => {
    const t = sentence(text);
    if (!facts.some((f) => f.kind === kind && f.text === t && f.source === source)) {
      facts.push({ kind, text: t, source });
    }
  };
  for (const seg of segments) {
    for (const s of sentencesOf(seg.text)) {
      for (const [re, fmt] of VITALS) {
        const m = s.match(re);
        if (m) add("vital", fmt(m), seg.id);
      }
      const pain = s.match(/\b(\d{1,2})\s*(?:\/|out of)\s*10\b/i);
      if (pain && /pain|hurt|ache|sore/i.test(s) && Number(pain[1]) <= 10) {
        add("pain", `Pain ${pain[1]}/10`, seg.id);
      }
      for (const m of s.matchAll(
        new RegExp(`\\b([A-Za-z][a-z]{2,})\\s+(\\d+(?:\\.\\d+)?\\s*(?:${UNITS}))\\b`, "g"),
      )) {
        if (STOP.has(m[1]!.toLowerCase())) continue;
        const freq = s.slice((m.index ?? 0) + m[0].length).match(FREQUENCY);
        add("medication", `${m[1]} ${m[2]}${freq ? ` ${freq[1]!.toLowerCase()}` : ""}`, seg.id);
      }
      if (NO_ALLERGY.test(s)) add("allergy", "No known drug allergies", seg.id);
      for (const re of ALLERGY) {
        for (const m of s.matchAll(re)) add("allergy", `Allergy: ${clean(m[1]!)}`, seg.id);
      }
      const isPlan = PLAN.test(s);
      if (EXERCISE.test(s)) add("exercise", s, seg.id);
      else if (isPlan) add("plan", s, seg.id);
      else if (COMPLAINT.test(s) && !facts.some((f) => f.source === seg.id && f.kind === "vital")) {
        add("complaint", s, seg.id);
      }
    }
  }
  return facts;
}

/** Splits pasted text into numbered segments (`t1`, `t2`…), one per line or sentence. */
export function segmentsFromText(text: string): Segment[] {
  return sentencesOf(text).map((s, i) => {
    const m = s.match(/^([A-Za-z][A-Za-z .'-]{0,30}):\s+(.*)$/);
    return m ? { id: `t${i + 1}`, speaker: m[1]!, text: m[2]! } : { id: `t${i + 1}`, text: s };
  });
}
