/**
 * Assign an exercise from the clinic's catalog, or change an assignment. The picker shows each
 * exercise's joint targets (the working-position angle ranges its analysis scores against); they
 * belong to the catalog entry, not to one assignment, so they are shown here and changed only in
 * the catalog (admin). The dose the API takes per assignment is editable: sets, repetitions or
 * hold time (whichever the exercise counts), how often, a due date and instructions.
 *
 * The form never pre-checks values itself (noValidate): the API's 422 names each bad field and the
 * message appears on that field. A create carries an idempotency key kept for the life of the
 * form, so a resent click or a retried request never assigns twice.
 */
import { useEffect, useMemo, useState } from "hono/jsx/dom";
import { api, idempotent } from "../../api";
import { errorText } from "../../ui";
import { Field, fieldErrors, Loading, useLoad } from "../../view";
import { jointName, type Assignment, type ExerciseType } from "./format";

type Values = {
  type: string;
  sets: string;
  reps: string;
  hold: string;
  perWeek: string;
  perDay: string;
  due: string;
  instructions: string;
};

function initial(a?: Assignment): Values {
  const f = a?.frequency;
  return {
    type: a?.exercise_type_id ?? "",
    sets: String(a?.sets ?? 3),
    reps: a?.repetitions != null ? String(a.repetitions) : a ? "" : "10",
    hold: a?.hold_seconds != null ? String(a.hold_seconds) : "",
    perWeek: f && typeof f === "object" ? String(f.times_per_week) : a ? "" : "3",
    perDay: f && typeof f === "object" && f.times_per_day ? String(f.times_per_day) : "",
    due: a?.due_date ? a.due_date.slice(0, 10) : "",
    instructions: a?.instructions ?? "",
  };
}

/** A number field's text as the API's value: empty is null (cleared), anything else a number. */
const num = (s: string) => (s.trim() === "" ? null : Number(s));

export function AssignmentForm(props: {
  patientId: string;
  /** The assignment to change; absent to assign a new one. */
  assignment?: Assignment;
  onSaved: (a: Assignment) => void;
  onCancel: () => void;
}) {
  const catalog = useLoad(
    () => api.GET("/api/v1/exercise-types", { params: { query: { page_size: 100 } } }),
    [],
  );
  const editing = props.assignment;
  const idPrefix = editing ? `edit-${editing.id.slice(-8)}` : "assign";
  const [v, setV] = useState<Values>(() => initial(editing));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per intended assignment: kept across retries of this form, new after a success.
  const [key] = useState(() => crypto.randomUUID());

  // After a 422, focus moves to the first field the API named, so its message is read and fixed.
  useEffect(() => {
    if (Object.keys(errors).length)
      document.querySelector<HTMLElement>(`#${idPrefix}-form [aria-invalid="true"]`)?.focus();
  }, [errors]);

  const set = (field: keyof Values) => (e: Event) =>
    setV((now) => ({ ...now, [field]: (e.target as HTMLInputElement).value }));

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setFailure(null);
    const frequency =
      v.perWeek.trim() === "" && v.perDay.trim() === ""
        ? null
        : {
            times_per_week: num(v.perWeek) as number,
            ...(v.perDay.trim() !== "" && { times_per_day: num(v.perDay) as number }),
          };
    const type = catalog.data?.find((t) => t.id === v.type);
    const hold = type?.analysis.repetition.type === "hold";
    const dose = {
      sets: num(v.sets) as number,
      repetitions: hold ? null : num(v.reps),
      hold_seconds: hold ? num(v.hold) : null,
      frequency,
      due_date: v.due || null,
      instructions: v.instructions.trim() || null,
    };
    try {
      const saved = editing
        ? await api.PUT("/api/v1/exercises/{id}", {
            params: { path: { id: editing.id } },
            body: {
              ...(v.type !== editing.exercise_type_id && { exercise_type_id: v.type }),
              ...dose,
            },
          })
        : await api.POST("/api/v1/exercises", {
            body: { patient_id: props.patientId, exercise_type_id: v.type, ...dose },
            ...idempotent(key),
          });
      props.onSaved(saved);
    } catch (error) {
      const f = fieldErrors(error);
      setErrors(f);
      const placed = [
        "exercise_type_id",
        "sets",
        "repetitions",
        "hold_seconds",
        "due_date",
        "instructions",
      ];
      const unplaced = Object.keys(f).filter(
        (k) => !placed.includes(k) && !k.startsWith("frequency"),
      );
      if (!Object.keys(f).length || unplaced.length) setFailure(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  const err = (field: string) => errors[field] ?? null;
  const freqError = errors["frequency.times_per_week"] ?? errors.frequency ?? null;
  const invalid = (field: string | null) => (field ? "true" : undefined);

  return (
    <Loading loaded={catalog}>
      {(types) => {
        const type = types.find((t) => t.id === v.type);
        const hold = type?.analysis.repetition.type === "hold";
        return (
          <form
            class="assign-form"
            id={`${idPrefix}-form`}
            onSubmit={submit}
            noValidate
            aria-labelledby={`${idPrefix}-h`}
          >
            <h4 id={`${idPrefix}-h`}>
              {editing
                ? `Change ${editing.exercise_type?.name ?? "assignment"}`
                : "Assign an exercise"}
            </h4>
            <Field id={`${idPrefix}-type`} label="Exercise" error={err("exercise_type_id")}>
              <CatalogPicker
                id={`${idPrefix}-type`}
                types={types}
                value={v.type}
                invalid={!!err("exercise_type_id")}
                onChange={set("type")}
              />
            </Field>
            {type ? <TypeDetails type={type} /> : null}
            <div class="form-row">
              <Field id={`${idPrefix}-sets`} label="Sets" error={err("sets")}>
                <input
                  id={`${idPrefix}-sets`}
                  type="number"
                  inputmode="numeric"
                  value={v.sets}
                  onInput={set("sets")}
                  aria-invalid={invalid(err("sets"))}
                  aria-describedby={err("sets") ? `${idPrefix}-sets-error` : undefined}
                />
              </Field>
              {hold ? (
                <Field id={`${idPrefix}-hold`} label="Hold (seconds)" error={err("hold_seconds")}>
                  <input
                    id={`${idPrefix}-hold`}
                    type="number"
                    inputmode="numeric"
                    value={v.hold}
                    onInput={set("hold")}
                    aria-invalid={invalid(err("hold_seconds"))}
                    aria-describedby={err("hold_seconds") ? `${idPrefix}-hold-error` : undefined}
                  />
                </Field>
              ) : (
                <Field
                  id={`${idPrefix}-reps`}
                  label="Repetitions per set"
                  error={err("repetitions")}
                >
                  <input
                    id={`${idPrefix}-reps`}
                    type="number"
                    inputmode="numeric"
                    value={v.reps}
                    onInput={set("reps")}
                    aria-invalid={invalid(err("repetitions"))}
                    aria-describedby={err("repetitions") ? `${idPrefix}-reps-error` : undefined}
                  />
                </Field>
              )}
              <Field id={`${idPrefix}-week`} label="Times a week" error={freqError}>
                <input
                  id={`${idPrefix}-week`}
                  type="number"
                  inputmode="numeric"
                  value={v.perWeek}
                  onInput={set("perWeek")}
                  aria-invalid={invalid(freqError)}
                  aria-describedby={freqError ? `${idPrefix}-week-error` : undefined}
                />
              </Field>
              <Field
                id={`${idPrefix}-day`}
                label="Times a day (optional)"
                error={err("frequency.times_per_day")}
              >
                <input
                  id={`${idPrefix}-day`}
                  type="number"
                  inputmode="numeric"
                  value={v.perDay}
                  onInput={set("perDay")}
                  aria-invalid={invalid(err("frequency.times_per_day"))}
                  aria-describedby={
                    err("frequency.times_per_day") ? `${idPrefix}-day-error` : undefined
                  }
                />
              </Field>
              <Field id={`${idPrefix}-due`} label="Due date (optional)" error={err("due_date")}>
                <input
                  id={`${idPrefix}-due`}
                  type="date"
                  value={v.due}
                  onInput={set("due")}
                  aria-invalid={invalid(err("due_date"))}
                  aria-describedby={err("due_date") ? `${idPrefix}-due-error` : undefined}
                />
              </Field>
            </div>
            <Field
              id={`${idPrefix}-instructions`}
              label="Instructions for the patient"
              error={err("instructions")}
            >
              <textarea
                id={`${idPrefix}-instructions`}
                rows={3}
                value={v.instructions}
                onInput={set("instructions")}
                aria-invalid={invalid(err("instructions"))}
                aria-describedby={
                  err("instructions") ? `${idPrefix}-instructions-error` : undefined
                }
              />
            </Field>
            {failure ? (
              <p class="error" role="alert">
                {failure}
              </p>
            ) : null}
            <p class="actions">
              <button type="submit" disabled={busy}>
                {editing ? "Save changes" : "Assign"}
              </button>{" "}
              <button type="button" class="secondary" onClick={props.onCancel}>
                Cancel
              </button>
            </p>
          </form>
        );
      }}
    </Loading>
  );
}

/** The catalog as a select grouped by category (keyboard- and screen-reader-friendly). */
function CatalogPicker(props: {
  id: string;
  types: ExerciseType[];
  value: string;
  invalid: boolean;
  onChange: (e: Event) => void;
}) {
  const groups = useMemo(() => {
    const out = new Map<string, ExerciseType[]>();
    for (const t of props.types) out.set(t.category, [...(out.get(t.category) ?? []), t]);
    return [...out.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [props.types]);
  return (
    <select
      id={props.id}
      value={props.value}
      onChange={props.onChange}
      aria-invalid={props.invalid ? "true" : undefined}
      aria-describedby={props.invalid ? `${props.id}-error` : undefined}
    >
      <option value="">Choose from the catalog…</option>
      {groups.map(([category, types]) => (
        <optgroup label={category.replace(/_/g, " ")}>
          {types.map((t) => (
            <option value={t.id} data-slug={t.slug}>
              {t.name} ({t.difficulty_level})
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}

/** What the chosen exercise is, how it is counted, and its joint targets. */
function TypeDetails(props: { type: ExerciseType }) {
  const t = props.type;
  const rule = t.analysis.repetition;
  const targets = Object.entries(t.analysis.target_ranges ?? {}) as [
    string,
    { min: number; max: number },
  ][];
  return (
    <div class="type-details" id="type-details" aria-live="polite">
      {t.description ? <p>{t.description}</p> : null}
      <p>
        {rule.type === "hold"
          ? `Counted as a hold of at least ${rule.min_hold_seconds} s.`
          : `Counted in repetitions (${rule.direction === "up" ? "raise and lower" : "lower and return"}).`}{" "}
        Tracked on {jointName(t.analysis.primary_joint).toLowerCase()}.
      </p>
      {targets.length ? (
        <table class="targets" id="joint-targets">
          <caption>Joint targets at the working position (from the catalog)</caption>
          <thead>
            <tr>
              <th scope="col">Joint</th>
              <th scope="col">Min</th>
              <th scope="col">Max</th>
            </tr>
          </thead>
          <tbody>
            {targets.map(([joint, r]) => (
              <tr data-joint={joint}>
                <th scope="row">{jointName(joint)}</th>
                <td>{`${r.min}°`}</td>
                <td>{`${r.max}°`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>This exercise has no joint targets.</p>
      )}
    </div>
  );
}
