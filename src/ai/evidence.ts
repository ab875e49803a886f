/**
 * The evidence check every generated sentence passes, whatever wrote it: what the sentence
 * asserts must be stated in the segments it cites. A sentence that fails keeps its place in the
 * answer, flagged `unsupported` with the first reason found (a closed list, no text from the
 * sentence, so a reason can be stored and shown as it is):
 *
 * - `no_source`: it cites no segment of the request;
 * - `number_not_in_source`: a number or dose that no cited segment states;
 * - `drug_not_in_source`: a drug or drug class (vocabulary.ts) not named in its sources;
 * - `allergy_not_in_source`: an allergen not named, with an allergy, in one cited segment;
 * - `condition_not_in_source`: a diagnosis or condition (by name, ending, or after "diagnosed
 *   with", "history of"…) not named in its sources;
 * - `absence_not_in_source`: it asserts absence ("no", "denies", "without", "NKDA") and no cited
 *   segment denies the same thing;
 * - `content_not_in_source`: most of its content words appear in no cited segment;
 * - `instruction_source`: it is supported only by segments that read as instructions to the model
 *   (injection.ts), a planted claim.
 */
import { factsOf, type Segment } from "./facts";
import { isInstructionLike } from "./injection";
import {
  isConditionHead,
  isConditionWord,
  isDrugWord,
  NEGATION_FILLER,
  normalText,
  normalWord,
  POST_NEGATION,
  PRE_NEGATION,
  stem,
  STOPWORDS,
  wordsOf,
} from "./vocabulary";

export const UNSUPPORTED_REASONS = [
  "no_source",
  "number_not_in_source",
  "drug_not_in_source",
  "allergy_not_in_source",
  "condition_not_in_source",
  "absence_not_in_source",
  "content_not_in_source",
  "instruction_source",
] as const;
export type UnsupportedReason = (typeof UNSUPPORTED_REASONS)[number];

/** Below this share of content words found in the sources, a sentence is unsupported. */
const CONTENT_SHARE = 0.5;
/** Sentences with fewer content words are judged by the other checks only. */
const CONTENT_MIN_WORDS = 3;
/** How many content words after a cue make up what it denies. */
const SCOPE_WORDS = 3;
/** How many words after a cue in a source still fall under it ("no swelling, redness or heat"). */
const WINDOW_WORDS = 12;

const CLAUSE_END = /[.;!?\n]|\b(?:but|however|although|though|except|apart from|yet)\b/i;
const ALLERGY_CUE = /\b(?:allerg\w*|reactions?|rash|hives|anaphyla\w*|intoleran\w*|sensitiv\w*)\b/i;

/** What the check reads from one segment, worked out once per segment object. */
type Source = {
  instruction: boolean;
  words: string[];
  wordSet: Set<string>;
  stems: Set<string>;
  numbers: Set<string>;
  doses: Set<string>;
  /** The words under each absence cue (deniedWindows). */
  windows: Set<string>[];
  allergy: boolean;
  bareNo: boolean;
  asks: boolean;
};
// Keyed by the request's own segment objects, so nothing outlives the request that made it.
const analysed = new WeakMap<Segment, Source>();

function analyse(segment: Segment): Source {
  const known = analysed.get(segment);
  if (known) return known;
  const norm = normalText(segment.text);
  const words = wordsOf(segment.text);
  const facts = factsOf(segment.text);
  const source: Source = {
    instruction: isInstructionLike(segment.text),
    words,
    wordSet: new Set(words),
    stems: new Set(words.map(stem)),
    numbers: new Set<string>(facts.numbers),
    doses: new Set(facts.doses),
    windows: deniedWindows(norm),
    allergy: ALLERGY_CUE.test(segment.text),
    bareNo: BARE_NO.test(norm),
    asks: /\?|\bany\b/i.test(norm),
  };
  analysed.set(segment, source);
  return source;
}

/** The reason `sentence` is not supported by `segments`, or null when it is. */
export function unsupportedReason(sentence: string, segments: Segment[]): UnsupportedReason | null {
  if (segments.length === 0) return "no_source";
  const sources = segments.map(analyse);
  const clean = sources.filter((s) => !s.instruction);
  if (clean.length === sources.length) return check(sentence, sources);
  const reason = clean.length ? check(sentence, clean) : "no_source";
  // Supported with the instruction-like segments but not without them: a planted claim.
  if (reason && check(sentence, sources) === null) return "instruction_source";
  return reason === "no_source" ? "instruction_source" : reason;
}

function check(sentence: string, sources: Source[]): UnsupportedReason | null {
  const mine = factsOf(sentence);
  if (!mine.numbers.every((n) => sources.some((s) => s.numbers.has(n))))
    return "number_not_in_source";
  if (!mine.doses.every((d) => sources.some((s) => s.doses.has(d)))) return "number_not_in_source";
  const sentenceWords = wordsOf(sentence);
  const named = (w: string) =>
    sources.some((s) => s.wordSet.has(w) || s.words.some((x) => x.startsWith(w)));
  if (!sentenceWords.filter(isDrugWord).every(named)) return "drug_not_in_source";
  if (!mine.drugs.every((d) => named(normalWord(d)))) return "drug_not_in_source";
  if (!allergensSupported(sentence, sources)) return "allergy_not_in_source";
  if (!conditionsSupported(sentence, sentenceWords, named)) return "condition_not_in_source";
  if (!absencesSupported(sentence, sources)) return "absence_not_in_source";
  if (!contentSupported(sentenceWords, sources)) return "content_not_in_source";
  return null;
}

/** Content words of a clause fragment, in the normal form, without negation filler. */
const contentOf = (fragment: string) =>
  wordsOf(fragment).filter((w) => !STOPWORDS.has(w) && !NEGATION_FILLER.has(w));

const clauseAfter = (text: string, from: number) => {
  const rest = text.slice(from);
  const end = rest.search(CLAUSE_END);
  return end < 0 ? rest : rest.slice(0, end);
};
const clauseBefore = (text: string, to: number) => {
  const head = text.slice(0, to);
  const parts = head.split(/[.;!?\n,]|\b(?:and|but|however)\b/i);
  return parts[parts.length - 1] ?? "";
};

/** Allergens the sentence names ("allergic to X", "X allergy", "Allergy: X"), each a word list. */
function allergensOf(sentence: string): string[][] {
  const found: string[][] = [];
  const after =
    /\b(?:allergic to|allerg(?:y|ies) to|allerg(?:y|ies)\s*:|intolerant (?:of|to)|reaction to)\s*([^.;!?\n]+)/gi;
  for (const m of sentence.matchAll(after)) {
    for (const part of m[1]!.split(/,|\band\b|\bor\b|\bwith\b/i)) {
      const words = contentOf(part).slice(0, SCOPE_WORDS);
      if (words.length) found.push(words);
    }
  }
  for (const m of sentence.matchAll(/\b([A-Za-z][a-z-]{2,})\s+allerg(?:y|ies)\b/gi)) {
    const words = contentOf(m[1]!);
    if (words.length) found.push(words);
  }
  return found;
}

/** Every allergen is named in one cited segment that also speaks of an allergy or reaction. */
function allergensSupported(sentence: string, sources: Source[]) {
  const allergens = allergensOf(sentence);
  if (!allergens.length) return true;
  const segments = sources.filter((s) => s.allergy);
  return allergens.every((words) =>
    segments.some((seg) => words.every((w) => seg.stems.has(stem(w)))),
  );
}

/** Conditions named by word, by head (the word before "disease"…), or after a diagnosis phrase. */
function conditionsSupported(
  sentence: string,
  sentenceWords: string[],
  named: (w: string) => boolean,
) {
  const terms = new Set<string>();
  sentenceWords.forEach((w, i) => {
    if (!isConditionWord(w)) return;
    terms.add(w);
    const before = sentenceWords[i - 1];
    if (isConditionHead(w) && before && !STOPWORDS.has(before)) terms.add(before);
  });
  const phrase =
    /\b(?:diagnosed with|diagnosis(?: of)?\s*:?|history of|known case of|suffer(?:s|ing)? from|consistent with|suggestive of|impression\s*:)\s*([^.;!?\n]+)/gi;
  for (const m of sentence.matchAll(phrase)) {
    for (const w of contentOf(m[1]!.split(/,|\band\b|\bor\b/i)[0] ?? "").slice(0, SCOPE_WORDS))
      terms.add(w);
  }
  return [...terms].every(named);
}

type Cue = { at: number; end: number; post: boolean };
function cuesOf(text: string): Cue[] {
  const cues: Cue[] = [];
  for (const m of text.matchAll(PRE_NEGATION))
    cues.push({ at: m.index!, end: m.index! + m[0].length, post: false });
  for (const m of text.matchAll(POST_NEGATION))
    cues.push({ at: m.index!, end: m.index! + m[0].length, post: true });
  return cues;
}

/** What one cue denies: content words after it (or before it, for "pain absent"). */
function scopeOf(text: string, cue: Cue) {
  const after = contentOf(clauseAfter(text, cue.end)).slice(0, SCOPE_WORDS);
  if (after.length && !cue.post) return after;
  return contentOf(clauseBefore(text, cue.at)).slice(-SCOPE_WORDS);
}

/** The words each cue of a source covers: a window after it, and for post cues the clause before. */
function deniedWindows(text: string): Set<string>[] {
  return cuesOf(text).map((cue) => {
    const after = wordsOf(clauseAfter(text, cue.end)).slice(0, WINDOW_WORDS);
    const before = cue.post ? wordsOf(clauseBefore(text, cue.at)) : [];
    return new Set([...after, ...before].map(stem));
  });
}

/** A short "no" answering a question ("No, none that I know of."): the question says what. */
const BARE_NO = /^\s*(?:no|nope|none|nothing|never|not really)\b[^?]{0,40}$/i;

/** Every absence the sentence asserts is denied, with the same words, in a cited segment. */
function absencesSupported(sentence: string, sources: Source[]) {
  const norm = normalText(sentence);
  const cues = cuesOf(norm);
  if (!cues.length) return true;
  const windows = sources.flatMap((s) => s.windows);
  // A question cited with a bare "no" answer denies what the question names.
  if (sources.some((s) => s.bareNo))
    for (const q of sources) if (q.asks && !q.bareNo) windows.push(q.stems);
  return cues.every((cue) => {
    const scope = scopeOf(norm, cue);
    if (!scope.length) return true;
    return windows.some((win) => scope.every((w) => win.has(stem(w))));
  });
}

/** Most content words of the sentence appear in the sources. */
function contentSupported(sentenceWords: string[], sources: Source[]) {
  const content = [...new Set(sentenceWords.filter((w) => !STOPWORDS.has(w)))];
  if (content.length < CONTENT_MIN_WORDS) return true;
  const found = content.filter((w) =>
    sources.some((s) => s.wordSet.has(w) || s.stems.has(stem(w))),
  ).length;
  return found / content.length >= CONTENT_SHARE;
}
