/**
 * The chart's exercise assignments: active ones (still to do: the patient sees them on their home
 * page) with edit and end, then ended ones; and the form to assign a new exercise. Ending sets the
 * status to "Completed" through the same update route; the API keeps the row and its history.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { api } from "../../api";
import { errorText } from "../../ui";
import { Loading, useLoad } from "../../view";
import { AssignmentForm } from "./AssignmentForm";
import { day, dose, frequency, isActive, type Assignment } from "./format";

export function Assignments(props: { patientId: string; canAssign: boolean }) {
  const list = useLoad(
    () =>
      api.GET("/api/v1/exercises/patient/{patient_id}", {
        params: { path: { patient_id: props.patientId }, query: { page_size: 100 } },
      }),
    [props.patientId],
  );
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  // Focus goes back to "Assign an exercise" once a form closes (the button exists again then).
  const [refocus, setRefocus] = useState(0);
  useEffect(() => {
    if (refocus) addButton.current?.focus();
  }, [refocus]);

  function saved(a: Assignment, verb: string) {
    setAdding(false);
    setEditing(null);
    setMessage({ text: `${a.exercise_type?.name ?? "Exercise"} ${verb}.` });
    list.reload();
    setRefocus((n) => n + 1);
  }

  async function end(a: Assignment) {
    setMessage(null);
    try {
      const ended = await api.PUT("/api/v1/exercises/{id}", {
        params: { path: { id: a.id } },
        body: { status: "Completed" },
      });
      setConfirming(null);
      saved(ended, "ended");
    } catch (error) {
      setMessage({ text: `Could not end it: ${errorText(error)}`, error: true });
    }
  }

  return (
    <section aria-labelledby="assignments-h" class="chart-part" id="chart-assignments">
      <h3 id="assignments-h">Exercises</h3>
      <p
        role="status"
        aria-live="polite"
        class={message?.error ? "error" : "ok"}
        id="assignments-status"
      >
        {message?.text ?? ""}
      </p>
      {props.canAssign ? (
        adding ? (
          <AssignmentForm
            patientId={props.patientId}
            onSaved={(a) => saved(a, "assigned")}
            onCancel={() => {
              setAdding(false);
              setRefocus((n) => n + 1);
            }}
          />
        ) : (
          <p>
            <button type="button" ref={addButton} id="assign-new" onClick={() => setAdding(true)}>
              Assign an exercise
            </button>
          </p>
        )
      ) : null}
      <Loading loaded={list}>
        {(items) => {
          const active = items.filter(isActive);
          const ended = items.filter((a) => !isActive(a));
          return (
            <>
              <h4>Active</h4>
              {active.length ? (
                <ul class="assignments" id="active-assignments">
                  {active.map((a) => (
                    <li data-assignment={a.id} data-slug={a.exercise_type?.slug}>
                      {editing === a.id ? (
                        <AssignmentForm
                          patientId={props.patientId}
                          assignment={a}
                          onSaved={(x) => saved(x, "changed")}
                          onCancel={() => setEditing(null)}
                        />
                      ) : (
                        <>
                          <Summary a={a} />
                          {props.canAssign ? (
                            confirming === a.id ? (
                              <p class="actions" role="group" aria-label="Confirm ending">
                                End {a.exercise_type?.name}? The patient will no longer see it.{" "}
                                <button type="button" onClick={() => void end(a)}>
                                  Yes, end it
                                </button>{" "}
                                <button
                                  type="button"
                                  class="secondary"
                                  onClick={() => setConfirming(null)}
                                >
                                  Keep it
                                </button>
                              </p>
                            ) : (
                              <p class="actions">
                                <button
                                  type="button"
                                  class="secondary"
                                  onClick={() => setEditing(a.id)}
                                >
                                  Edit<span class="sr-only"> {a.exercise_type?.name}</span>
                                </button>{" "}
                                <button
                                  type="button"
                                  class="secondary"
                                  onClick={() => setConfirming(a.id)}
                                >
                                  End<span class="sr-only"> {a.exercise_type?.name}</span>
                                </button>
                              </p>
                            )
                          ) : null}
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              ) : (
                <p id="active-assignments">No active exercises.</p>
              )}
              <h4>Ended</h4>
              {ended.length ? (
                <ul class="assignments ended" id="ended-assignments">
                  {ended.map((a) => (
                    <li data-assignment={a.id} data-slug={a.exercise_type?.slug}>
                      <Summary a={a} />
                    </li>
                  ))}
                </ul>
              ) : (
                <p id="ended-assignments">None ended yet.</p>
              )}
            </>
          );
        }}
      </Loading>
    </section>
  );
}

function Summary(props: { a: Assignment }) {
  const a = props.a;
  const when = [
    frequency(a.frequency),
    a.due_date ? `due ${day(a.due_date)}` : "",
    a.status === "Completed" ? `ended ${day(a.completed_at)}` : `assigned ${day(a.assigned_date)}`,
  ].filter(Boolean);
  return (
    <div class="summary">
      <strong>{a.exercise_type?.name ?? "Exercise no longer in the catalog"}</strong>{" "}
      <span class="dose">{dose(a)}</span>
      {when.length ? <span class="when"> · {when.join(" · ")}</span> : null}
      {a.status === "Not Completed" ? <span class="badge"> · marked not completed</span> : null}
      {a.instructions ? <p class="instructions">{a.instructions}</p> : null}
    </div>
  );
}
