/** `#/notes`: the notes the caller may see, filtered by patient and status; a new note per patient. */
import { useState } from "hono/jsx/dom";
import { api } from "../../api";
import { fmt } from "../../ui";
import { Field, Loading, useLoad } from "../../view";
import { loadPatients, loadTemplates, patientName, statusOf } from "./data";

type StatusFilter = "" | "draft" | "final" | "signed";

export function NotesList() {
  const [patientId, setPatientId] = useState("");
  const [status, setStatus] = useState<StatusFilter>("");
  const [newFor, setNewFor] = useState("");
  const patients = useLoad(loadPatients);
  const templates = useLoad(loadTemplates);
  const notes = useLoad(
    () =>
      api.GET("/api/v1/clinical-notes", {
        params: {
          query: {
            page_size: 100,
            ...(patientId && { patient_id: patientId }),
            ...(status === "draft" && { is_draft: "true" as const }),
            ...((status === "final" || status === "signed") && { is_draft: "false" as const }),
          },
        },
      }),
    [patientId, status],
  );
  const templateName = (id: string) => templates.data?.find((t) => t.id === id)?.name ?? id;
  const shown = (notes.data ?? []).filter(
    (n) => status === "" || status === "draft" || (status === "signed") === n.is_signed,
  );
  return (
    <>
      <h2>Clinical notes</h2>
      <form
        class="filters"
        onSubmit={(e: Event) => {
          e.preventDefault();
          if (newFor) location.hash = `#/notes/new/${newFor}`;
        }}
      >
        <Field id="new-note-patient" label="New note for">
          <select
            id="new-note-patient"
            value={newFor}
            onChange={(e) => setNewFor((e.target as HTMLSelectElement).value)}
          >
            <option value="">Choose a patient</option>
            {(patients.data ?? []).map((p) => (
              <option value={p.id}>{p.name}</option>
            ))}
          </select>
        </Field>
        <button type="submit" disabled={!newFor}>
          New note
        </button>
      </form>
      <div class="filters" role="group" aria-label="Filter notes">
        <Field id="notes-patient" label="Patient">
          <select
            id="notes-patient"
            value={patientId}
            onChange={(e) => setPatientId((e.target as HTMLSelectElement).value)}
          >
            <option value="">All patients</option>
            {(patients.data ?? []).map((p) => (
              <option value={p.id}>{p.name}</option>
            ))}
          </select>
        </Field>
        <Field id="notes-status" label="Status">
          <select
            id="notes-status"
            value={status}
            onChange={(e) => setStatus((e.target as HTMLSelectElement).value as StatusFilter)}
          >
            <option value="">Any</option>
            <option value="draft">Draft</option>
            <option value="final">Final, not signed</option>
            <option value="signed">Signed</option>
          </select>
        </Field>
      </div>
      <Loading loaded={notes}>
        {() =>
          shown.length ? (
            <ul class="list notes" id="notes-list" aria-live="polite">
              {shown.map((n) => (
                <li
                  data-note={n.id}
                  data-status={n.is_signed ? "signed" : n.is_draft ? "draft" : "final"}
                >
                  <a href={`#/notes/${n.id}`}>
                    {patientName(patients.data, n.patient_id)}: {templateName(n.template_type)}
                  </a>{" "}
                  <span class="badge">{statusOf(n)}</span>{" "}
                  <span class="muted">updated {fmt.date(n.updated_at)}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p>No notes match.</p>
          )
        }
      </Loading>
    </>
  );
}
