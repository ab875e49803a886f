/**
 * `#/notes/{id}`: a note in its template's sections. A draft autosaves (autosave.ts) and is
 * finalized (version 1); a final note saves new versions; a signed note is locked and takes
 * addenda. Beside the text: the scribe draft with each sentence's sources, the note's
 * suggestions (accepted into their section), a scribe run for more suggestions, signing,
 * versions and export.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { api, ApiError, session } from "../../api";
import { errorText, fmt } from "../../ui";
import { Field, fieldErrors, useLoad } from "../../view";
import { unsavedOf, saveText, useAutosave } from "./autosave";
import {
  callQuotes,
  chatQuotes,
  loadPatients,
  loadTemplates,
  patientName,
  scribeDrafts,
  statusOf,
  type Note,
  type Quotes,
  type Suggestion,
  type Template,
} from "./data";
import { ExportNote } from "./export";
import { SignForm } from "./sign";
import { SentenceList, SuggestionList } from "./sources";
import { AskScribe } from "./ask-scribe";
import { Versions } from "./versions";

const sectionErrors = (e: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(e)
      .filter(([k]) => k.startsWith("sections."))
      .map(([k, v]) => [k.slice("sections.".length), v]),
  );

export function NoteEditor(props: { noteId: string }) {
  const note = useLoad(
    () => api.GET("/api/v1/clinical-notes/{id}", { params: { path: { id: props.noteId } } }),
    [props.noteId],
  );
  const templates = useLoad(loadTemplates);
  const patients = useLoad(loadPatients);
  if (note.error)
    return (
      <>
        <h2>Note</h2>
        <p class="error" role="alert">
          {note.status === 404 ? "That note is not there, or not yours to see." : note.error}{" "}
          <button type="button" onClick={note.reload}>
            Try again
          </button>
        </p>
        <p>
          <a href="#/notes">Back to notes</a>
        </p>
      </>
    );
  const template = templates.data?.find((t) => t.id === note.data?.template_type);
  if (!note.data || !template)
    return <p aria-busy="true">{templates.error ? templates.error : "Loading…"}</p>;
  return (
    <EditorBody
      note={note.data}
      template={template}
      patient={patientName(patients.data, note.data.patient_id)}
      reload={note.reload}
    />
  );
}

function EditorBody(props: {
  note: Note;
  template: Template;
  patient: string;
  reload: () => void;
}) {
  const { note, template } = props;
  const draft = note.is_draft && !note.deleted_at;
  const signed = note.is_signed;
  const [sections, setSections] = useState<Record<string, string>>(() => ({
    ...note.sections,
    ...(unsavedOf(note.id) ?? {}),
  }));
  // After a 409: the stored text, shown beside the kept local text until saved again.
  const [stored, setStored] = useState<Record<string, string> | null>(null);
  const [conflict, setConflict] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ text: string; kind: "ok" | "error" } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [quotes, setQuotes] = useState<Quotes>(() => scribeDrafts.get(note.id)?.quotes ?? {});
  const [quotesError, setQuotesError] = useState<string | null>(null);
  const autosave = useAutosave(note.id, draft && !conflict, () => undefined);
  const scribe = scribeDrafts.get(note.id);
  const sectionName = (id: string) => template.sections.find((s) => s.id === id)?.full_name ?? id;

  // A reloaded note: sections the user has not changed since the last load follow the stored
  // text; a section typed in (saved or not) keeps what is on screen, so a reload loses nothing.
  const base = useRef<Record<string, string>>(note.sections);
  useEffect(() => {
    const before = base.current;
    base.current = note.sections;
    setSections((local) => {
      const out: Record<string, string> = { ...note.sections };
      for (const [k, v] of Object.entries(local))
        if (conflict || v !== (before[k] ?? "")) out[k] = v;
      return out;
    });
    if (conflict) setStored(note.sections);
  }, [note.updated_at]);

  // The text behind cited ids: the note's own chat or call, when it was drafted from one.
  useEffect(() => {
    const load = note.chat_id
      ? chatQuotes(note.chat_id)
      : note.call_id
        ? callQuotes(note.call_id)
        : null;
    load?.then(
      (q) => setQuotes((old) => ({ ...q, ...old })),
      (error) => setQuotesError(errorText(error)),
    );
  }, [note.id]);

  const say = (text: string, kind: "ok" | "error" = "ok") => setMessage({ text, kind });
  const failed = (error: unknown) => {
    setErrors(fieldErrors(error));
    if (error instanceof ApiError && error.status === 409) {
      setConflict(true);
      say(
        `${error.message}. Your text is kept in the editor; load the stored note to compare, then save again.`,
        "error",
      );
    } else say(errorText(error), "error");
  };

  const type = (id: string, text: string) => {
    setSections((s) => ({ ...s, [id]: text }));
    if (draft && !conflict) autosave.edit(id, text);
  };

  const finalize = async () => {
    setBusy("finalize");
    setErrors({});
    try {
      await autosave.settle();
      await api.PUT("/api/v1/clinical-notes/{id}", {
        params: { path: { id: note.id } },
        body: { sections: nonEmpty(sections), is_draft: false },
      });
      autosave.clear();
      say("Finalized: version 1 is stored. You can now sign it.");
      props.reload();
    } catch (error) {
      failed(error);
    } finally {
      setBusy(null);
    }
  };

  /** Final (unsigned) note: the changed sections as the next version; after a 409 as well. */
  const saveVersion = async () => {
    const changed = Object.fromEntries(
      Object.entries(sections).filter(([k, v]) => v !== (note.sections[k] ?? "")),
    );
    if (!Object.keys(changed).length) return say("Nothing changed since the stored version.");
    setBusy("version");
    setErrors({});
    try {
      await autosave.settle();
      const saved = await api.PUT("/api/v1/clinical-notes/{id}", {
        params: { path: { id: note.id } },
        body: { sections: changed },
      });
      autosave.clear();
      setConflict(false);
      setStored(null);
      say(saved.is_draft ? "Saved." : `Saved as version ${saved.version}.`);
      props.reload();
    } catch (error) {
      failed(error);
    } finally {
      setBusy(null);
    }
  };

  const accept = async (s: Suggestion) => {
    setBusy(s.id);
    try {
      const done = await api.POST("/api/v1/clinical-notes/{id}/accept-suggestion/{suggestion_id}", {
        params: { path: { id: note.id, suggestion_id: s.id } },
      });
      const sec = done.updated_section;
      const local = sections[sec] ?? "";
      if (done.as_addendum) say(`Added to ${sectionName(sec)} as an addendum.`);
      else {
        if (local !== (base.current[sec] ?? "")) {
          // Text typed here and not in the stored note stays; the suggestion joins it.
          const merged = `${local}\n${s.suggested_text}`.trim();
          if (draft && !conflict) type(sec, merged);
          else setSections((old) => ({ ...old, [sec]: merged }));
        } else setSections((old) => ({ ...old, [sec]: done.updated_content }));
        say(`Accepted into ${sectionName(sec)}.`);
      }
      props.reload();
    } catch (error) {
      failed(error);
    } finally {
      setBusy(null);
    }
  };

  const mine = session.user?.id === note.author_id;
  return (
    <article class="note-editor" aria-labelledby="note-title">
      <h2 id="note-title">
        {props.patient}: {template.name}
      </h2>
      <p>
        <span class="badge" id="note-status">
          {statusOf(note)}
        </span>{" "}
        <span class="muted">
          created {fmt.date(note.created_at)}
          {note.signed_at ? `, signed ${fmt.date(note.signed_at)}` : ""}
          {note.ai ? `, drafted by the scribe (${note.ai.provider}, ${note.ai.model})` : ""}
        </span>
      </p>
      {note.visit_reason ? <p>Visit reason: {note.visit_reason}</p> : null}
      {draft ? (
        <p id="autosave" role="status" aria-live="polite" class="autosave">
          {saveText(autosave.state)}{" "}
          {autosave.state.kind === "stopped" ? (
            <button type="button" class="link" onClick={props.reload}>
              Load the stored note
            </button>
          ) : null}
        </p>
      ) : null}
      {message ? (
        <p
          id="note-message"
          class={message.kind}
          role={message.kind === "error" ? "alert" : "status"}
        >
          {message.text}{" "}
          {conflict ? (
            <button type="button" class="link" onClick={props.reload}>
              Load the stored note
            </button>
          ) : null}
        </p>
      ) : null}

      <div class="note-layout">
        <section class="note-sections" aria-label="Sections">
          {template.sections.map((s) => (
            <Field
              id={`section-${s.id}`}
              label={`${s.full_name}${s.required ? " (required)" : ""}`}
              error={
                sectionErrors(errors)[s.id] ??
                (autosave.state.kind === "stopped"
                  ? autosave.state.fields[`sections.${s.id}`]
                  : null)
              }
            >
              <textarea
                id={`section-${s.id}`}
                rows={4}
                readOnly={signed || !!note.deleted_at}
                placeholder={s.prompt_hint}
                value={sections[s.id] ?? ""}
                onInput={(e) => type(s.id, (e.target as HTMLTextAreaElement).value)}
              />
              {stored && (stored[s.id] ?? "") !== (sections[s.id] ?? "") ? (
                <details class="stored">
                  <summary>Stored text of this section differs</summary>
                  <p>{stored[s.id] || "(empty)"}</p>
                </details>
              ) : null}
            </Field>
          ))}
          {note.addenda.length ? (
            <section aria-label="Addenda">
              <h3>Addenda</h3>
              <ul class="list" id="addenda">
                {note.addenda.map((a) => (
                  <li>
                    {sectionName(a.section)}, {fmt.date(a.created_at)}: {a.text}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <p class="actions">
            {draft ? (
              <button type="button" onClick={finalize} disabled={busy !== null}>
                Finalize
              </button>
            ) : null}
            {!draft && !signed && !note.deleted_at ? (
              <button type="button" onClick={saveVersion} disabled={busy !== null}>
                Save as a new version
              </button>
            ) : null}
          </p>
          {signed ? <Addendum note={note} sectionName={sectionName} reload={props.reload} /> : null}
        </section>

        <aside class="note-side">
          {scribe ? (
            <section aria-labelledby="scribe-draft-title" id="scribe-draft">
              <h3 id="scribe-draft-title">Scribe draft</h3>
              <p class="muted">
                {scribe.result.sentences.length} sentences, {scribe.result.unsupported_count}{" "}
                unsupported ({scribe.result.provider}, {scribe.result.model}).
              </p>
              <SentenceList
                sentences={scribe.result.sentences}
                quotes={quotes}
                sectionName={sectionName}
              />
            </section>
          ) : null}
          {quotesError ? (
            <p class="error" role="alert">
              The source texts could not load ({quotesError}); sources show by id.
            </p>
          ) : null}
          <section aria-labelledby="suggestions-title">
            <h3 id="suggestions-title">Suggestions</h3>
            <SuggestionList
              suggestions={note.suggestions}
              quotes={quotes}
              sectionName={sectionName}
              onAccept={note.deleted_at ? undefined : accept}
              busy={busy}
            />
            {!note.deleted_at ? (
              <AskScribe
                note={note}
                onQuotes={(q) => setQuotes((old) => ({ ...old, ...q }))}
                onDone={(n) => {
                  say(`The scribe suggested ${n} ${n === 1 ? "sentence" : "sentences"}.`);
                  props.reload();
                }}
              />
            ) : null}
          </section>
        </aside>
      </div>

      {!draft && !signed && !note.deleted_at ? (
        <SignForm
          noteId={note.id}
          mine={mine}
          onSigned={() => {
            say("Signed. The note is locked; later changes are kept as addenda.");
            props.reload();
          }}
        />
      ) : null}
      {!draft ? (
        <Versions noteId={note.id} changed={note.updated_at} sectionName={sectionName} />
      ) : null}
      <ExportNote noteId={note.id} />
      <p>
        <a href="#/notes">Back to notes</a>
      </p>
    </article>
  );
}

/** Only sections with text: an empty optional section is left out of the write. */
function nonEmpty(sections: Record<string, string>) {
  return Object.fromEntries(Object.entries(sections).filter(([, v]) => v.trim()));
}

/** A signed note keeps its text; a change is added as an addendum to one section. */
function Addendum(props: { note: Note; sectionName: (id: string) => string; reload: () => void }) {
  const ids = Object.keys(props.note.sections);
  const [section, setSection] = useState(ids[0] ?? "");
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const add = async (e: Event) => {
    e.preventDefault();
    setErrors({});
    setError(null);
    try {
      await api.PUT("/api/v1/clinical-notes/{id}", {
        params: { path: { id: props.note.id } },
        body: { sections: { [section]: text } },
      });
      setText("");
      props.reload();
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(errorText(err));
    }
  };
  return (
    <form onSubmit={add} class="addendum" aria-labelledby="addendum-title">
      <h3 id="addendum-title">Add an addendum</h3>
      <p class="muted">The signed text stays as signed; an addendum is added under it.</p>
      <Field id="addendum-section" label="Section">
        <select
          id="addendum-section"
          value={section}
          onChange={(e) => setSection((e.target as HTMLSelectElement).value)}
        >
          {ids.map((id) => (
            <option value={id}>{props.sectionName(id)}</option>
          ))}
        </select>
      </Field>
      <Field
        id="addendum-text"
        label="Addendum"
        error={errors[`sections.${section}`] ?? errors.sections}
      >
        <textarea
          id="addendum-text"
          rows={3}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
      </Field>
      <button type="submit" disabled={!text.trim()}>
        Add addendum
      </button>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
