/**
 * `#/notes/new/{patientId}`: a note from a template (templates and consultation types from the
 * API), either blank or drafted by the scribe from a chat, a call transcript or pasted text. A
 * retried click sends the same `client_id`, so it never makes a second note.
 */
import { useRef, useState } from "hono/jsx/dom";
import { api, ApiError, type Schemas } from "../../api";
import { errorText } from "../../ui";
import { Field, fieldErrors, Loading, useLoad } from "../../view";
import {
  loadConsultationTypes,
  loadPatients,
  loadTemplates,
  scribeDrafts,
  type GeneratedNote,
} from "./data";
import {
  missingSource,
  NO_SOURCE,
  noteSource,
  quotesOf,
  SourcePicker,
  type SourceChoice,
} from "./source-picker";

const JOB_POLL_MS = 1500;

/** A long source runs on the queue (202 with a job): wait for its result. */
async function jobResult(jobId: string): Promise<GeneratedNote> {
  for (;;) {
    const job = await api.GET("/api/v1/scribe/jobs/{id}", { params: { path: { id: jobId } } });
    if (job.status === "succeeded" && job.result) return job.result;
    if (job.status === "failed")
      throw new Error(`The scribe could not draft the note (${job.error})`);
    await new Promise((r) => setTimeout(r, JOB_POLL_MS));
  }
}

export function NewNoteView(props: { patientId: string }) {
  const patients = useLoad(loadPatients);
  const templates = useLoad(loadTemplates);
  const types = useLoad(loadConsultationTypes);
  const [template, setTemplate] = useState("soap");
  const [consultation, setConsultation] = useState("");
  const [reason, setReason] = useState("");
  const [source, setSource] = useState<SourceChoice>(NO_SOURCE);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState<"blank" | "scribe" | null>(null);
  // One id per intended note: a retry after a lost answer returns the first note.
  const clientId = useRef(crypto.randomUUID());

  const patient = patients.data?.find((p) => p.id === props.patientId);
  const common = () => ({
    patient_id: props.patientId,
    template_type: template,
    ...(consultation && { consultation_type: consultation }),
    ...(reason.trim() && { visit_reason: reason.trim() }),
    client_id: clientId.current,
  });
  const fail = (error: unknown) => {
    setErrors(fieldErrors(error));
    setMessage(
      error instanceof ApiError && error.status === 404
        ? "That patient, chat or call is not on your list."
        : errorText(error),
    );
  };

  const blank = async () => {
    setBusy("blank");
    setErrors({});
    setMessage(null);
    try {
      const note = await api.POST("/api/v1/clinical-notes", {
        body: { ...common(), is_draft: true, sections: {} },
      });
      location.hash = `#/notes/${note.id}`;
    } catch (error) {
      setBusy(null);
      fail(error);
    }
  };

  const draft = async () => {
    const missing = missingSource(source);
    if (missing) return setErrors(missing);
    setBusy("scribe");
    setErrors({});
    setMessage("The scribe is reading the source…");
    try {
      // 201: the draft; 202: a job (a long source) whose result comes later.
      const answer = (await api.POST("/api/v1/scribe/generate-note", {
        body: { ...common(), ...noteSource(source) },
      })) as GeneratedNote | Schemas["ScribeJob"];
      const result = "sentences" in answer ? answer : await jobResult(answer.id);
      // If the source texts cannot load now, the editor loads them again (and says so).
      const quotes = await quotesOf(source).catch(() => ({}));
      scribeDrafts.set(result.note_id, { result, quotes });
      location.hash = `#/notes/${result.note_id}`;
    } catch (error) {
      setBusy(null);
      fail(error);
    }
  };

  return (
    <>
      <h2>New note{patient ? ` for ${patient.name}` : ""}</h2>
      <Loading loaded={templates}>
        {(list) => (
          <form class="note-new" onSubmit={(e: Event) => e.preventDefault()}>
            <Field id="note-template" label="Template" error={errors.template_type}>
              <select
                id="note-template"
                value={template}
                onChange={(e) => setTemplate((e.target as HTMLSelectElement).value)}
              >
                {list.map((t) => (
                  <option value={t.id}>
                    {t.name}: {t.description}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              id="note-consultation"
              label="Consultation type (optional)"
              error={errors.consultation_type}
            >
              <select
                id="note-consultation"
                value={consultation}
                onChange={(e) => setConsultation((e.target as HTMLSelectElement).value)}
              >
                <option value="">Not specified</option>
                {(types.data ?? []).map((t) => (
                  <option value={t.id}>{t.name}</option>
                ))}
              </select>
            </Field>
            <Field id="note-reason" label="Visit reason (optional)" error={errors.visit_reason}>
              <input
                id="note-reason"
                value={reason}
                onInput={(e) => setReason((e.target as HTMLInputElement).value)}
              />
            </Field>
            <p>
              <button type="button" onClick={blank} disabled={busy !== null}>
                Start a blank draft
              </button>
            </p>
            <h3>Or draft it with the scribe</h3>
            <p class="muted">
              The scribe writes sentences only from the source and cites each one; sentences their
              sources do not support are kept out of the note and marked for you to check.
            </p>
            <SourcePicker
              idPrefix="new-source"
              patientId={props.patientId}
              patientUserId={patient?.user_id ?? null}
              value={source}
              onChange={(v) => {
                setSource(v);
                setErrors({});
              }}
              errors={errors}
            />
            <p>
              <button type="button" onClick={draft} disabled={busy !== null}>
                Draft with the scribe
              </button>
            </p>
            {message ? (
              <p class={busy ? "" : "error"} role={busy ? "status" : "alert"} id="new-note-message">
                {message}
              </p>
            ) : null}
          </form>
        )}
      </Loading>
      <p>
        <a href="#/notes">Back to notes</a>
      </p>
    </>
  );
}
