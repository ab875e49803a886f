/**
 * `#/schedule`: a clinician's week. Days Monday to Sunday (a list on a phone, a grid on a wide
 * screen: console.css), today marked, the clinician's time off on its day; previous and next week;
 * an admin picks whose week (or everyone's). Booking, moving and cancelling open in a panel above
 * the week; after each change the week reloads from the API.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { api, session } from "../../api";
import { errorText, status } from "../../ui";
import { Loading, useLoad } from "../../view";
import { BookingForm } from "./BookingForm";
import { addDays, dayKey, fmtDay, fmtRange, fmtTime, mondayOf, sameDay } from "./dates";
import {
  loadDirectory,
  loadWeek,
  type Appointment,
  type Directory,
  type TimeOff,
} from "./schedule.data";

type Panel =
  | { kind: "book" }
  | { kind: "open"; appointment: Appointment }
  | { kind: "move"; appointment: Appointment };

export function ScheduleView() {
  const me = session.user!;
  const directory = useLoad(() => loadDirectory(me), [me.id]);
  return (
    <>
      <h2>Schedule</h2>
      <Loading loaded={directory}>{(dir) => <Week dir={dir} />}</Loading>
    </>
  );
}

function Week(props: { dir: Directory }) {
  const { dir } = props;
  const me = session.user!;
  const admin = me.role === "admin";
  const [monday, setMonday] = useState(() => mondayOf(new Date()));
  const [clinicianId, setClinicianId] = useState(admin ? "" : me.id);
  const [panel, setPanel] = useState<Panel | null>(null);
  const sunday = addDays(monday, 7);
  const week = useLoad(() => loadWeek(monday, sunday, clinicianId), [dayKey(monday), clinicianId]);
  const days = Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  const today = new Date();
  const title = `${fmtDay(monday)} – ${fmtDay(addDays(monday, 6))} ${addDays(monday, 6).getFullYear()}`;

  // A closed panel hands focus back to what opened it (the appointment, or the Book button).
  const close = (appointmentId?: string) => {
    setPanel(null);
    requestAnimationFrame(() =>
      (
        document.querySelector<HTMLElement>(`.week li[data-id="${appointmentId}"] button`) ??
        document.getElementById("book-open")
      )?.focus(),
    );
  };

  const done = (message: string, appointment: Appointment) => {
    close(appointment.id);
    status(message, "ok");
    const start = new Date(appointment.scheduled_start);
    // Show the week the appointment is now in (a move may have changed it).
    if (dayKey(mondayOf(start)) !== dayKey(monday)) setMonday(mondayOf(start));
    else week.reload();
  };

  return (
    <section aria-labelledby="week-title" class="schedule">
      <div class="week-nav">
        <button type="button" id="week-prev" onClick={() => setMonday(addDays(monday, -7))}>
          ← Previous week
        </button>
        <h3 id="week-title" aria-live="polite">
          {title}
        </h3>
        <button type="button" id="week-next" onClick={() => setMonday(addDays(monday, 7))}>
          Next week →
        </button>
        <button type="button" id="week-today" onClick={() => setMonday(mondayOf(new Date()))}>
          This week
        </button>
      </div>
      <div class="week-tools">
        {admin ? (
          <p class="field">
            <label for="week-clinician">Clinician</label>
            <select
              id="week-clinician"
              onChange={(e: Event) => setClinicianId((e.target as HTMLSelectElement).value)}
            >
              <option value="" selected={clinicianId === ""}>
                All clinicians
              </option>
              {dir.clinicians.map((c) => (
                <option value={c.id} selected={c.id === clinicianId}>
                  {c.name}
                </option>
              ))}
            </select>
          </p>
        ) : (
          <p>Your appointments ({me.name}).</p>
        )}
        <button type="button" id="book-open" onClick={() => setPanel({ kind: "book" })}>
          Book an appointment
        </button>
      </div>
      {panel?.kind === "book" ? (
        <BookingForm
          dir={dir}
          clinicianId={clinicianId || dir.clinicians[0]?.id || me.id}
          day={days.find((d) => sameDay(d, today)) ?? monday}
          onDone={(a) =>
            done(
              `Booked ${dir.patientName(a.patient_id)}, ${fmtRange(a.scheduled_start, a.scheduled_end)}.`,
              a,
            )
          }
          onClose={() => close()}
        />
      ) : panel?.kind === "move" ? (
        <BookingForm
          dir={dir}
          appointment={panel.appointment}
          clinicianId={panel.appointment.clinician_id}
          day={new Date(panel.appointment.scheduled_start)}
          onDone={(a) => done(`Moved to ${fmtRange(a.scheduled_start, a.scheduled_end)}.`, a)}
          onClose={() => setPanel({ kind: "open", appointment: panel.appointment })}
        />
      ) : panel?.kind === "open" ? (
        <AppointmentPanel
          dir={dir}
          appointment={panel.appointment}
          onMove={() => setPanel({ kind: "move", appointment: panel.appointment })}
          onCancelled={(a) => done(`Cancelled ${dir.patientName(a.patient_id)}'s appointment.`, a)}
          onClose={() => close(panel.appointment.id)}
        />
      ) : null}
      <Loading loaded={week}>
        {(data) => (
          <ol class="week" aria-label={`Week of ${title}`} aria-busy={week.loading}>
            {days.map((d) => (
              <Day
                dir={dir}
                day={d}
                today={sameDay(d, today)}
                showClinician={!clinicianId}
                appointments={data.appointments.filter((a) =>
                  sameDay(new Date(a.scheduled_start), d),
                )}
                timeOff={data.timeOff.filter(
                  (t) => new Date(t.starts_at) < addDays(d, 1) && new Date(t.ends_at) > d,
                )}
                onOpen={(a) => setPanel({ kind: "open", appointment: a })}
              />
            ))}
          </ol>
        )}
      </Loading>
    </section>
  );
}

function Day(props: {
  dir: Directory;
  day: Date;
  today: boolean;
  showClinician: boolean;
  appointments: Appointment[];
  timeOff: TimeOff[];
  onOpen: (a: Appointment) => void;
}) {
  const { dir } = props;
  const empty = props.appointments.length === 0 && props.timeOff.length === 0;
  return (
    <li
      class={props.today ? "day today" : "day"}
      aria-current={props.today ? "date" : undefined}
      data-day={dayKey(props.day)}
    >
      <h4>
        {fmtDay(props.day)}
        {props.today ? " · today" : ""}
      </h4>
      {empty ? <p class="muted">No appointments</p> : null}
      <ul class="appts">
        {[
          ...props.timeOff.map((t) => ({ at: t.starts_at, node: <TimeOffItem timeOff={t} /> })),
          ...props.appointments.map((a) => ({
            at: a.scheduled_start,
            node: (
              <AppointmentItem
                dir={dir}
                appointment={a}
                showClinician={props.showClinician}
                onOpen={props.onOpen}
              />
            ),
          })),
        ]
          .sort((x, y) => x.at.localeCompare(y.at))
          .map((x) => x.node)}
      </ul>
    </li>
  );
}

function TimeOffItem(props: { timeOff: TimeOff }) {
  const t = props.timeOff;
  return (
    <li class="timeoff">
      Time off {fmtTime(t.starts_at)}–{fmtTime(t.ends_at)}
      {t.reason ? ` (${t.reason})` : ""}
    </li>
  );
}

function AppointmentItem(props: {
  dir: Directory;
  appointment: Appointment;
  showClinician: boolean;
  onOpen: (a: Appointment) => void;
}) {
  const { dir, appointment: a } = props;
  return (
    <li class={`appt appt-${a.status}`} data-id={a.id}>
      <button type="button" class="appt-open" onClick={() => props.onOpen(a)}>
        <span class="appt-time">
          {fmtTime(a.scheduled_start)}–{fmtTime(a.scheduled_end)}
        </span>{" "}
        <span class="appt-patient">{dir.patientName(a.patient_id)}</span>
        {props.showClinician ? (
          <span class="appt-clinician"> · {dir.clinicianName(a.clinician_id)}</span>
        ) : null}
        {a.status !== "scheduled" ? (
          <span class="appt-status"> · {a.status.replace("_", " ")}</span>
        ) : null}
      </button>
    </li>
  );
}

/** One appointment's details with Move and Cancel (scheduled ones only). */
function AppointmentPanel(props: {
  dir: Directory;
  appointment: Appointment;
  onMove: () => void;
  onCancelled: (a: Appointment) => void;
  onClose: () => void;
}) {
  const { dir, appointment: a } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [a.id]);
  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onCancelled(
        await api.PUT("/api/v1/appointments/{id}", {
          params: { path: { id: a.id } },
          body: { status: "cancelled" },
        }),
      );
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const open = a.status === "scheduled";
  return (
    <section class="card appt-panel" id="appt-panel" aria-labelledby="appt-title">
      <h3 id="appt-title" tabIndex={-1} ref={heading}>
        {dir.patientName(a.patient_id)}
      </h3>
      <dl class="facts">
        <dt>When</dt>
        <dd>{fmtRange(a.scheduled_start, a.scheduled_end)}</dd>
        <dt>Clinician</dt>
        <dd>{dir.clinicianName(a.clinician_id)}</dd>
        <dt>Where</dt>
        <dd>
          {a.location_type}
          {a.location_details ? `, ${a.location_details}` : ""}
        </dd>
        <dt>Status</dt>
        <dd>{a.status.replace("_", " ")}</dd>
      </dl>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {confirming ? (
        <p class="actions" role="group" aria-label="Confirm the cancellation">
          <button type="button" id="cancel-confirm" disabled={busy} onClick={cancel}>
            {busy ? "Cancelling…" : "Yes, cancel it"}
          </button>{" "}
          <button type="button" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </p>
      ) : (
        <p class="actions">
          {open ? (
            <>
              <button type="button" id="appt-move" onClick={props.onMove}>
                Move
              </button>{" "}
              <button type="button" id="appt-cancel" onClick={() => setConfirming(true)}>
                Cancel appointment
              </button>{" "}
            </>
          ) : null}
          <button type="button" onClick={props.onClose}>
            Close
          </button>
        </p>
      )}
    </section>
  );
}
