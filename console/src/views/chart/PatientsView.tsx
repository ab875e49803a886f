/**
 * `#/patients`: the patients the caller may see (the API's list: a clinician's care teams, the
 * whole clinic for an admin), searched by the API (exact MRN or whole name words), each linked to
 * its chart, with the sessions waiting for the caller's review as on the home page.
 */
import { useRef, useState } from "hono/jsx/dom";
import { api } from "../../api";
import { Field, Loading, useLoad } from "../../view";
import { day } from "./format";

export function PatientsView() {
  const [search, setSearch] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const patients = useLoad(
    () =>
      api.GET("/api/v1/patients", {
        params: { query: { page_size: 100, ...(search && { search }) } },
      }),
    [search],
  );
  // The review counts come from the review module; a failure there leaves the list usable.
  const counts = useLoad(
    () => api.GET("/api/v1/physio/patients", { params: { query: { page_size: 100 } } }),
    [],
  );

  function submit(event: Event) {
    event.preventDefault();
    setSearch(input.current?.value.trim() ?? "");
  }

  return (
    <>
      <h2>Patients</h2>
      <form role="search" class="search" onSubmit={submit} aria-label="Search patients">
        <Field id="patient-search" label="Search by MRN or name">
          <input id="patient-search" ref={input} type="search" autocomplete="off" />
        </Field>
        <button type="submit">Search</button>{" "}
        {search ? (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              if (input.current) input.current.value = "";
              setSearch("");
              input.current?.focus();
            }}
          >
            Show all
          </button>
        ) : null}
      </form>
      {counts.error ? (
        <p class="muted" role="status">
          Review counts are not available ({counts.error}).
        </p>
      ) : null}
      <Loading loaded={patients}>
        {(all) => {
          // A family member's list holds shared summaries; they have no charts to open.
          const list = all.filter((p) => "mrn" in p);
          return (
            <>
              <p role="status" aria-live="polite" id="patients-count">
                {search
                  ? `${list.length} ${list.length === 1 ? "patient matches" : "patients match"} “${search}”.`
                  : `${list.length} ${list.length === 1 ? "patient" : "patients"}.`}
              </p>
              <ul class="list patient-list" id="patient-list">
                {list.map((p) => {
                  const c = counts.data?.find((x) => x.id === p.id);
                  return (
                    <li data-patient={p.id}>
                      <a href={`#/patients/${p.id}`}>{p.name}</a>{" "}
                      <span class="muted">
                        MRN {p.mrn}
                        {p.date_of_birth ? ` · born ${day(p.date_of_birth)}` : ""}
                      </span>
                      {c ? (
                        <>
                          {" · "}
                          <span class="to-review">{c.sessions_pending_review} to review</span>
                          {" · "}
                          <a href={`#/progress/${p.id}`}>
                            Progress<span class="sr-only"> of {p.name}</span>
                          </a>
                        </>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            </>
          );
        }}
      </Loading>
    </>
  );
}
