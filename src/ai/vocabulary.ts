/**
 * The words the evidence check (evidence.ts) needs, and one normal form for comparing a sentence
 * with its sources: lower case, no accents or hyphens, British spellings folded onto American
 * (anaemia = anemia, oedema = edema), plural `s` dropped, `n't` read as `not`, and clinical
 * abbreviations read as what they stand for on both sides (BP = blood pressure, NKDA = no known
 * drug allergies).
 *
 * Drugs are recognised by the WHO INN stems (the endings international non-proprietary names are
 * built from: -pril, -sartan, -olol, -statin, -cillin, -mab…) plus the common names no stem
 * covers and the drug classes a sentence may name. That is a rule, not a list of products, so it
 * costs a few hundred bytes in the Worker and needs no data file. Why not a packaged vocabulary:
 * the only drug-name list on the npm registry reachable here, @cspell/dict-medicalterms, is
 * GPL-3.0-or-later (copyleft, not for this private bundle) and mixes drugs with anatomy and other
 * terms (docs/notes-and-ai.md, "Scribe evidence check and AI data").
 */

const words = (list: string) => list.split(/\s+/).filter(Boolean);

/** INN stems: a word ending in one of these (with at least 2 letters before it) is a drug. */
const DRUG_STEMS = words(
  "pril prilat sartan olol alol dipine apine azepine statin cillin mycin micin cycline " +
    "oxacin conazole prazole idazole tidine setron triptan gliptin gliflozin glutide formin " +
    "glitazone parin xaban gatran farin grel profen ofen fenac coxib oxicam isone asone olone " +
    "onide semide thiazide etanide pamide azepam zolam barbital tyline pramine oxetine faxine " +
    "alopram traline azodone lukast terol amol codone morphone orphine adol fentanyl caine " +
    "curonium ciclovir clovir navir previr buvir mab tinib ciclib dronate dronic trexate " +
    "oquine salazine purinol darone goxin tiazem pamil lactone racetam trigine piramate " +
    "gabalin pentin tropium sulosin azosin steride butynin ercept floxacin",
);
const STEM_RE = new RegExp(`^[a-z]{2,}(?:${DRUG_STEMS.join("|")})$`);
/** Prefix stems (cephalosporins); then names no stem covers, and drug classes a sentence may name. */
const DRUG_PREFIX = /^(?:cef|ceph)[a-z]{4,}$/;
const DRUG_NAMES = new Set(
  words(
    "aspirin acetaminophen insulin codeine heparin warfarin lithium colchicine " +
      "levothyroxine thyroxine baclofen tizanidine cyclobenzaprine methocarbamol naproxen " +
      "ketorolac trimethoprim nitrofurantoin sulfa clavulanate metoclopramide loperamide " +
      "senna lactulose botox botulinum capsaicin levodopa carbidopa digoxin nitroglycerin " +
      "glyceryl ketamine methadone naloxone oxytocin melatonin zopiclone zolpidem cortisone " +
      "nsaid opioid opiate steroid corticosteroid antibiotic anticoagulant antidepressant " +
      "antihistamine antiinflammatory painkiller analgesic statin diuretic betablocker " +
      "benzodiazepine anticonvulsant antipsychotic",
  ),
);

/** Words that end like a stem but are no drug. */
const NOT_DRUG = new Set(
  words("cholesterol coefficient cephalic mongrel intercept spine supine saline").map((w) =>
    normalWord(w),
  ),
);

/** Whether a normalised word names a drug or drug class. */
export function isDrugWord(word: string): boolean {
  if (word.length < 4 || NOT_DRUG.has(word)) return false;
  return DRUG_NAMES.has(word) || STEM_RE.test(word) || DRUG_PREFIX.test(word);
}

/** Condition endings (arthritis, tendinopathy, myalgia, stenosis, hematoma…). */
const CONDITION_ENDING =
  /^[a-z]{3,}(?:itis|osis|algia|pathy|emia|plegia|paresis|trophy|megaly|rrhea|malacia|iasis|ectasis|oma|thyroidism)$/;
const NOT_CONDITION = new Set(
  words(
    "diagnosis misdiagnosis prognosis hypnosis diploma aroma analysis academia nostalgia " +
      "sympathy empathy antipathy telepathy osteopathy homeopathy naturopathy apotheosis " +
      "metamorphosis mitosis osmosis symbiosis",
  ).map((w) => normalWord(w)),
);
const CONDITION_NAMES = new Set(
  words(
    "diabete diabetic hypertension hypotension asthma copd cancer stroke gout obesity " +
      "depression anxiety dementia parkinson alzheimer epilepsy migraine sciatica hernia " +
      "concussion whiplash lupus covid pneumonia sepsis angina arrhythmia fibrillation " +
      "scoliosis kyphosis osteoporosis osteopenia dislocation subluxation impingement atrophy " +
      "frozen",
  ),
);
/** Head words whose preceding word names the condition (Crohn's disease, rotator cuff tear). */
const CONDITION_HEADS = new Set(
  words(
    "disease syndrome disorder failure injury deficiency insufficiency fracture sprain " +
      "rupture tear lesion dysfunction palsy infection degeneration sclerosis",
  ),
);

/** Whether a normalised word names a diagnosis or condition. */
export function isConditionWord(word: string): boolean {
  if (NOT_CONDITION.has(word)) return false;
  return CONDITION_NAMES.has(word) || CONDITION_ENDING.test(word) || CONDITION_HEADS.has(word);
}
export const isConditionHead = (word: string) => CONDITION_HEADS.has(word);

/** Function words, reporting verbs and units: left out when comparing content. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  words(
    "a an the and or but if then so as of to in on at by for from with into onto over under " +
      "about after before during since until while than that this these those there here it its " +
      "is are was were be been being am has have had do does did done will would shall should " +
      "can could may might must i me my mine we us our you your he him his she her they them " +
      "their who whom whose which what when where why how all any some each every both either " +
      "neither other another such own same very too also just only still even again once more " +
      "most less least much many few lot lots per up down out off now today currently recently " +
      "patient pt client report reported reports state stated states say said says note noted " +
      "notes describe described describes complain complained complains present presented " +
      "presents mention mentioned mentions tell told tells feel feels felt get gets got go goes " +
      "went well really quite bit little about around approximately roughly " +
      "no not never none nil nor without deny denies denied negative absent known" +
      " mg mcg ug g ml kg lb pound unit iu mmol bpm min minute hour day week month year time",
  ).map((w) => normalWord(w)),
);

/** Absence cues written before what they deny (no pain, denies fever, without swelling). */
export const PRE_NEGATION =
  /\b(?:no|not|never|without|denie[sd]|deny|denying|negative for|free of|nor|none of)\b/gi;
/** Absence cues written after what they deny (pain absent, swelling resolved, fever: none). */
export const POST_NEGATION = /\b(?:absent|none|nil|negative|denied|resolved|free)\b/gi;
/** Words between a cue and its term that are no part of what is denied. */
export const NEGATION_FILLER: ReadonlySet<string> = new Set(
  words(
    "known any drug other significant current new obvious further history sign evidence " +
      "complaint report",
  ),
);

/** Abbreviations read as their words, on the sentence and the sources alike. */
const ABBREVIATIONS: [RegExp, string][] = [
  [/\bnkda\b|\bnka\b/gi, "no known drug allergies"],
  [/\bbp\b/gi, "blood pressure"],
  [/\bhr\b|\bpulse\b/gi, "heart rate"],
  [/\brr\b/gi, "respiratory rate"],
  [/\bspo2\b|\bo2 sat(?:uration)?s?\b|\bsats\b/gi, "oxygen saturation"],
  [/\btemp\b/gi, "temperature"],
  [/\bsob\b/gi, "shortness of breath"],
  [/\brom\b/gi, "range of motion"],
  [/\bhx\b/gi, "history"],
  [/\bdx\b/gi, "diagnosis"],
  [/\boa\b/gi, "osteoarthritis"],
  [/\bra\b/gi, "rheumatoid arthritis"],
  [/\bdm\b|\bt2dm\b/gi, "diabetes"],
  [/\bhtn\b/gi, "hypertension"],
  [/\bnsaids?\b/gi, "nsaid"],
  [/\bbeta[- ]blockers?\b/gi, "betablocker"],
  [/\banti[- ]inflammator(?:y|ies)\b/gi, "antiinflammatory"],
  [/\bpain[- ]free\b/gi, "no pain"],
];

/**
 * Text in the normal form, before it is split into words: abbreviations spelled out, `n't` as
 * `not`, and "X: none" (a term then its denial) as "no X".
 */
export function normalText(text: string): string {
  let t = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  t = t.replace(/\b(\w+)n['’]t\b/gi, "$1 not").replace(/\bcannot\b/gi, "can not");
  for (const [re, words] of ABBREVIATIONS) t = t.replace(re, words);
  return t.replace(
    /\b([a-z][a-z ]{0,40}?)\s*(?::|\s[-–]\s)\s*(?:none|nil|no|negative|denied|absent)\b/gi,
    "no $1",
  );
}

/** One word in the normal form. */
export function normalWord(word: string): string {
  let w = word.toLowerCase().replace(/[^a-z0-9]/g, "");
  w = w.replace(/ae/g, "e").replace(/oe/g, "e").replace(/our$/, "or");
  // Plural s, but not the s of -itis, -osis, lupus or -ous (a vowel before it).
  if (w.length > 4 && w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && /[^aiosu]s$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** A looser form for content comparison: -ing and -ed dropped (hurting = hurt, walked = walk). */
export const stem = (w: string) => (w.length > 5 ? w.replace(/(?:ing|ed|ly)$/, "") : w);

/** The words of a text in the normal form (numbers left out). */
export function wordsOf(text: string): string[] {
  return (normalText(text).match(/[A-Za-z][A-Za-z'’-]*/g) ?? [])
    .map((w) => normalWord(w.replace(/['’]s$/, "")))
    .filter(Boolean);
}
