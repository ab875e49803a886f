/** Asks the scribe for suggestions to an open note from a chat, a call transcript or pasted text. */
import { useState } from "hono/jsx/dom";
import { api } from "../../api";
import { errorText } from "../../ui";
import { fieldErrors, useLoad } from "../../view";
import { loadPatients, type Note, type Quotes } from "./data";
import {
  missingSource,
  NO_SOURCE,
  quotesOf,
  SourcePicker,
  suggestionSource,
  type SourceChoice,
} from "./source-picker";

export function AskScribe(props: {
  note: Note;
  onQuotes: (q: Quotes) => void;
  onDone: (n: number) => void;
}) {
  const patients = useLoad(loadPatients);
  const [source, setSource] = useState<SourceChoice>({
    ...NO_SOURCE,
    chatId: props.note.chat_id ?? "",
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const patient = patients.data?.find((p) => p.id === props.note.patient_id);

  const ask = async (e: Event) => {
    e.preventDefault();
    const missing = missingSource(source);
    if (missing) return setErrors(missing);
    setErrors({});
    setError(null);
    setBusy(true);
    try {
      const part = await suggestionSource(source);
      if ("error" in part) return setErrors(part.error);
      const answer = await api.POST("/api/v1/scribe/generate-suggestions", {
        body: { note_id: props.note.id, ...part },
      });
      props.onDone(answer.suggestions.length);
      try {
        props.onQuotes(await quotesOf(source));
      } catch (err) {
        setError(
          `The suggestions are stored; their source texts could not load (${errorText(err)}).`,
        );
      }
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="ask-scribe" id="ask-scribe">
      <summary>Ask the scribe for suggestions</summary>
      <form onSubmit={ask}>
        <SourcePicker
          idPrefix="ask-source"
          patientId={props.note.patient_id}
          patientUserId={patient?.user_id ?? null}
          value={source}
          onChange={(v) => {
            setSource(v);
            setErrors({});
          }}
          errors={errors}
        />
        <button type="submit" disabled={busy}>
          {busy ? "The scribe is reading…" : "Suggest"}
        </button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </details>
  );
}
