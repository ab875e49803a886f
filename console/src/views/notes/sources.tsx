/**
 * Scribe output with its evidence: each sentence (or stored suggestion) with the text of the
 * sources it cites, quoted, and a visible and spoken mark on sentences the evidence check found
 * unsupported, with the reason in words.
 */
import type { Quotes, Sentence, Suggestion } from "./data";

const REASONS: Record<string, string> = {
  no_source: "it cites no source",
  number_not_in_source: "a number or dose is not in its source",
  drug_not_in_source: "a medication is not in its source",
  allergy_not_in_source: "the allergy is not stated in its source",
  condition_not_in_source: "the condition is not named in its source",
  absence_not_in_source: "its source does not state the absence",
  content_not_in_source: "most of its words are not in its source",
  instruction_source: "it rests only on text that reads like instructions to the AI",
};

export const reasonText = (reason: string | null) =>
  reason ? (REASONS[reason] ?? reason) : "its sources do not state it";

export function SourceQuotes(props: { ids: string[]; quotes: Quotes }) {
  if (!props.ids.length) return <p class="sources none">No source cited.</p>;
  return (
    <ul class="sources" aria-label="Sources">
      {props.ids.map((id) => {
        const q = props.quotes[id];
        return (
          <li data-source={id}>
            {q ? (
              <>
                <q>{q.text}</q>
                <span class="source-who">
                  {" "}
                  — {q.speaker ?? "source"} <span class="source-id">({id})</span>
                </span>
              </>
            ) : (
              <span class="source-id">Source {id} (its text is not available here)</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** The sentence's mark: an unsupported one says so in text, not by colour alone. */
export function Unsupported(props: { reason: string | null }) {
  return (
    <strong class="flag">
      Unsupported: <span class="flag-reason">{reasonText(props.reason)}</span>
    </strong>
  );
}

/** A scribe draft's sentences, grouped as they came, each with its sources. */
export function SentenceList(props: {
  sentences: Sentence[];
  quotes: Quotes;
  sectionName: (id: string) => string;
}) {
  if (!props.sentences.length)
    return <p>The scribe found nothing in this source to put in the note.</p>;
  return (
    <ol class="sentences">
      {props.sentences.map((s) => (
        <li
          class={s.unsupported ? "sentence unsupported" : "sentence"}
          data-unsupported={String(s.unsupported)}
        >
          <p>
            <span class="section-tag">{props.sectionName(s.section)}:</span> {s.text}
          </p>
          {s.unsupported ? (
            <p>
              <Unsupported reason={s.unsupported_reason} /> Kept out of the note; listed under
              suggestions to check.
            </p>
          ) : (
            <p class="in-note">In the note</p>
          )}
          <SourceQuotes ids={s.sources} quotes={props.quotes} />
        </li>
      ))}
    </ol>
  );
}

/** Stored suggestions of a note, each with its sources and an Accept button. */
export function SuggestionList(props: {
  suggestions: Suggestion[];
  quotes: Quotes;
  sectionName: (id: string) => string;
  onAccept?: (s: Suggestion) => void;
  busy: string | null;
}) {
  const open = props.suggestions.filter((s) => !s.is_accepted);
  const done = props.suggestions.length - open.length;
  return (
    <>
      {open.length ? (
        <ol class="sentences" id="suggestions">
          {open.map((s) => (
            <li
              class={s.unsupported ? "sentence unsupported" : "sentence"}
              data-suggestion={s.id}
              data-unsupported={String(s.unsupported)}
            >
              <p>
                <span class="section-tag">{props.sectionName(s.section)}</span>{" "}
                <span class="kind">({s.type})</span>: {s.suggested_text}
              </p>
              {s.unsupported ? (
                <p>
                  <Unsupported reason={s.unsupported_reason} /> Check it against the source before
                  accepting.
                </p>
              ) : null}
              <SourceQuotes ids={s.sources} quotes={props.quotes} />
              {props.onAccept ? (
                <button
                  type="button"
                  disabled={props.busy === s.id}
                  onClick={() => props.onAccept!(s)}
                  aria-label={`Accept into ${props.sectionName(s.section)}: ${s.suggested_text}`}
                >
                  Accept
                </button>
              ) : null}
            </li>
          ))}
        </ol>
      ) : (
        <p>No open suggestions.</p>
      )}
      {done ? <p>{done} accepted.</p> : null}
    </>
  );
}
