/**
 * Booking a new appointment or moving one: who, what, when, with the clinician's free slots for
 * the chosen day offered as buttons, and the API's answer about the time (overlapping
 * appointments, time off, working hours) shown next to the time fields before and at submit.
 * A booking carries one client id per intended appointment, kept across retries: the API's
 * idempotency key for this route is the body's `id`; the same value as `Idempotency-Key` lets the
 * client resend a request whose answer was lost. Either way a retry never books twice.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { api, idempotencyKey, idempotent } from "../../api";
import { errorText } from "../../ui";
import { Field, fieldErrors } from "../../view";
import { clock, dayKey, fmtDay, fmtTime, instantOf, minutesBetween } from "./dates";
import {
  checkTime,
  clashesOf,
  type Appointment,
  type Clash,
  type Directory,
} from "./schedule.data";

const DEFAULT_MINUTES = 45;

type Props = {
  dir: Directory;
  /** Moving this appointment; booking a new one when absent. */
  appointment?: Appointment;
  clinicianId: string;
  day: Date;
  onDone: (appointment: Appointment) => void;
  onClose: () => void;
};

type Answer =
  | { state: "idle" }
  | { state: "checking" }
  | { state: "free" }
  | { state: "clash"; clashes: Clash[]; refused: boolean }
  | { state: "error"; text: string };

export function BookingForm(props: Props) {
  const { dir, appointment } = props;
  const moving = !!appointment;
  const idp = moving ? "move" : "book";
  const start0 = appointment ? new Date(appointment.scheduled_start) : null;
  const [patientId, setPatientId] = useState(appointment?.patient_id ?? "");
  const [clinicianId, setClinicianId] = useState(
    appointment?.clinician_id ?? props.clinicianId ?? dir.clinicians[0]?.id ?? "",
  );
  const [serviceId, setServiceId] = useState(appointment?.service_id ?? "");
  const [locationId, setLocationId] = useState(appointment?.location_id ?? "");
  const [day, setDay] = useState(dayKey(start0 ?? props.day));
  const [time, setTime] = useState(start0 ? clock(start0) : "");
  const [minutes, setMinutes] = useState(
    appointment
      ? minutesBetween(appointment.scheduled_start, appointment.scheduled_end)
      : DEFAULT_MINUTES,
  );
  const [notes, setNotes] = useState("");
  const [answer, setAnswer] = useState<Answer>({ state: "idle" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(idempotencyKey);
  // Free slots with the day and length they are for: a list for another choice is never offered.
  const [slots, setSlots] = useState<{
    for: string;
    list: { start: string; end: string }[];
  } | null>(null);
  const first = useRef<HTMLSelectElement | HTMLInputElement>(null);

  useEffect(() => first.current?.focus(), []);

  const start = instantOf(day, time);
  const end = start && minutes > 0 ? new Date(start.getTime() + minutes * 60_000) : null;

  // The clinician's free slots on the chosen day (working hours minus appointments and time off).
  useEffect(() => {
    if (!clinicianId || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return setSlots(null);
    let live = true;
    const from = instantOf(day, "00:00")!;
    const to = new Date(from.getTime() + 86_400_000);
    api
      .GET("/api/v1/appointments/available-slots", {
        params: {
          query: {
            clinician_id: clinicianId,
            date_from: from.toISOString().slice(0, 10),
            date_to: to.toISOString().slice(0, 10),
            duration_minutes: Math.min(480, Math.max(5, minutes || DEFAULT_MINUTES)),
            step_minutes: 15,
          },
        },
      })
      .then(
        (r) =>
          live &&
          setSlots({
            for: `${day}/${minutes}`,
            list: r.slots.filter((s) => dayKey(new Date(s.start)) === day),
          }),
        () => live && setSlots({ for: `${day}/${minutes}`, list: [] }),
      );
    return () => {
      live = false;
    };
  }, [clinicianId, day, minutes]);

  // Asks the API about the chosen time as soon as it is complete (after a short pause in typing).
  useEffect(() => {
    if (!start || !end || !clinicianId) return setAnswer({ state: "idle" });
    let live = true;
    setAnswer({ state: "checking" });
    const timer = setTimeout(() => {
      checkTime(dir, {
        clinicianId,
        patientId,
        start,
        end,
        ...(appointment && { excludeId: appointment.id }),
      }).then(
        (clashes) =>
          live &&
          setAnswer(
            clashes.length ? { state: "clash", clashes, refused: false } : { state: "free" },
          ),
        (error) => live && setAnswer({ state: "error", text: errorText(error) }),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [clinicianId, patientId, day, time, minutes]);

  const pickService = (id: string) => {
    setServiceId(id);
    const service = dir.services.find((s) => s.id === id);
    if (service) setMinutes(service.default_duration_minutes);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    const missing: Record<string, string> = {};
    if (!moving && !patientId) missing.patient_id = "Choose a patient";
    if (!clinicianId) missing.clinician_id = "Choose a clinician";
    if (!start) missing.scheduled_start = "Choose a date and a start time";
    if (!(minutes >= 5 && minutes <= 480)) missing.scheduled_end = "5 to 480 minutes";
    if (Object.keys(missing).length) return setErrors(missing);
    setBusy(true);
    try {
      const when = { scheduled_start: start!.toISOString(), scheduled_end: end!.toISOString() };
      const saved = appointment
        ? await api.PUT("/api/v1/appointments/{id}", {
            params: { path: { id: appointment.id } },
            body: {
              ...when,
              ...(clinicianId !== appointment.clinician_id && { clinician_id: clinicianId }),
            },
          })
        : await api.POST("/api/v1/appointments", {
            body: {
              id: key,
              patient_id: patientId,
              clinician_id: clinicianId,
              ...when,
              ...(serviceId && { service_id: serviceId }),
              ...(locationId && { location_id: locationId }),
              ...(notes.trim() && { notes: notes.trim() }),
              status: "scheduled",
            },
            // The client resends a lost request itself; the body id makes the resend a replay.
            ...idempotent(key),
          });
      props.onDone(saved);
    } catch (error) {
      const clashes = clashesOf(dir, clinicianId, error);
      if (clashes) {
        setAnswer({ state: "clash", clashes, refused: true });
        document.getElementById(`${idp}-time`)?.focus();
      } else {
        const fields = fieldErrors(error);
        setErrors(fields);
        if (!Object.keys(fields).length) setFailure(errorText(error));
      }
    } finally {
      setBusy(false);
    }
  };

  const whenError = errors.scheduled_start ?? errors.scheduled_end ?? null;
  return (
    <form
      class="card schedule-form"
      id={`${idp}-form`}
      aria-labelledby={`${idp}-title`}
      onSubmit={submit}
      noValidate
    >
      <h3 id={`${idp}-title`}>
        {appointment
          ? `Move ${dir.patientName(appointment.patient_id)}'s appointment`
          : "Book an appointment"}
      </h3>
      {moving ? null : (
        <Field id="book-patient" label="Patient" error={errors.patient_id}>
          <select
            id="book-patient"
            ref={first}
            value={patientId}
            aria-invalid={!!errors.patient_id}
            onChange={(e: Event) => setPatientId((e.target as HTMLSelectElement).value)}
          >
            <option value="">Choose a patient</option>
            {dir.patients.map((p) => (
              <option value={p.id} selected={p.id === patientId}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field id={`${idp}-clinician`} label="Clinician" error={errors.clinician_id}>
        <select
          id={`${idp}-clinician`}
          value={clinicianId}
          aria-invalid={!!errors.clinician_id}
          onChange={(e: Event) => setClinicianId((e.target as HTMLSelectElement).value)}
        >
          {dir.clinicians.map((c) => (
            <option value={c.id} selected={c.id === clinicianId}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>
      {moving || dir.services.length === 0 ? null : (
        <Field id="book-service" label="Service (sets the length)" error={errors.service_id}>
          <select
            id="book-service"
            value={serviceId}
            onChange={(e: Event) => pickService((e.target as HTMLSelectElement).value)}
          >
            <option value="">None</option>
            {dir.services.map((s) => (
              <option value={s.id} selected={s.id === serviceId}>
                {s.name} ({s.default_duration_minutes} min)
              </option>
            ))}
          </select>
        </Field>
      )}
      {moving || dir.locations.length === 0 ? null : (
        <Field id="book-location" label="Location" error={errors.location_id}>
          <select
            id="book-location"
            value={locationId}
            onChange={(e: Event) => setLocationId((e.target as HTMLSelectElement).value)}
          >
            <option value="">Not set</option>
            {dir.locations.map((l) => (
              <option value={l.id} selected={l.id === locationId}>
                {l.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <div class="when">
        <Field id={`${idp}-day`} label="Date">
          <input
            id={`${idp}-day`}
            type="date"
            ref={moving ? first : undefined}
            value={day}
            aria-describedby={`${idp}-answer`}
            onInput={(e: Event) => setDay((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field id={`${idp}-time`} label="Start time">
          <input
            id={`${idp}-time`}
            type="time"
            step={300}
            value={time}
            aria-invalid={answer.state === "clash" || !!whenError}
            aria-describedby={`${idp}-answer`}
            onInput={(e: Event) => setTime((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field id={`${idp}-minutes`} label="Minutes" error={errors.scheduled_end}>
          <input
            id={`${idp}-minutes`}
            type="number"
            min={5}
            max={480}
            step={5}
            value={minutes}
            onInput={(e: Event) => setMinutes(Number((e.target as HTMLInputElement).value))}
          />
        </Field>
      </div>
      <TimeAnswer id={`${idp}-answer`} answer={answer} error={errors.scheduled_start ?? null} />
      <Slots
        idp={idp}
        day={day}
        slots={slots?.for === `${day}/${minutes}` ? slots.list : null}
        chosen={start}
        onPick={(s) => {
          const d = new Date(s.start);
          setDay(dayKey(d));
          setTime(clock(d));
        }}
      />
      {moving ? null : (
        <Field id="book-notes" label="Notes (staff only, optional)" error={errors.notes}>
          <textarea
            id="book-notes"
            rows={2}
            maxLength={5000}
            value={notes}
            onInput={(e: Event) => setNotes((e.target as HTMLTextAreaElement).value)}
          />
        </Field>
      )}
      {failure ? (
        <p class="error" role="alert">
          {failure}
        </p>
      ) : null}
      <p class="actions">
        <button type="submit" id={`${idp}-submit`} disabled={busy}>
          {busy ? "Saving…" : moving ? "Move" : "Book"}
        </button>{" "}
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </p>
    </form>
  );
}

/** The API's answer about the chosen time, next to the time fields (announced as it changes). */
function TimeAnswer(props: { id: string; answer: Answer; error: string | null }) {
  const { answer } = props;
  if (props.error && answer.state !== "clash")
    return (
      <div id={props.id} class="time-answer clash" role="alert">
        {props.error}
      </div>
    );
  if (answer.state === "clash")
    return (
      <div id={props.id} class="time-answer clash" role="alert">
        <strong>
          {answer.refused ? "Not booked: the time is taken." : "This time is not free:"}
        </strong>
        <ul>
          {answer.clashes.map((c) => (
            <li class={`clash-${c.kind}`}>{c.text}</li>
          ))}
        </ul>
      </div>
    );
  return (
    <div id={props.id} class="time-answer" role="status" aria-live="polite">
      {answer.state === "checking"
        ? "Checking the time…"
        : answer.state === "free"
          ? "Free: no overlapping appointment or time off."
          : answer.state === "error"
            ? `The time could not be checked (${answer.text}).`
            : ""}
    </div>
  );
}

/** The clinician's free slots on the chosen day, as buttons that fill in the time. */
function Slots(props: {
  idp: string;
  day: string;
  slots: { start: string; end: string }[] | null;
  chosen: Date | null;
  onPick: (slot: { start: string; end: string }) => void;
}) {
  const date = instantOf(props.day, "00:00");
  if (!props.slots || !date) return null;
  const chosen = props.chosen?.getTime();
  return (
    <fieldset class="slots" id={`${props.idp}-slots`} data-day={props.day}>
      <legend>Free slots on {fmtDay(date)}</legend>
      {props.slots.length === 0 ? (
        <p>No free slot that day.</p>
      ) : (
        props.slots.map((s) => (
          <button
            type="button"
            class="slot"
            aria-pressed={new Date(s.start).getTime() === chosen}
            onClick={() => props.onPick(s)}
          >
            {fmtTime(s.start)}
          </button>
        ))
      )}
    </fieldset>
  );
}
