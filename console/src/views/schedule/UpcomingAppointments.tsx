/**
 * The patient's upcoming appointments (on their home page): `GET /patients/appointments` answers
 * only the caller's own. Clinicians are named from the patient's care team; one who is not on it
 * (any longer) is "your clinician".
 */
import { api, type Schemas } from "../../api";
import { Loading, useLoad } from "../../view";
import { fmtRange } from "./dates";

type Own = { appointments: Schemas["Appointment"][]; names: Map<string, string> };

async function loadUpcoming(): Promise<Own> {
  const [appointments, patients] = await Promise.all([
    api.GET("/api/v1/patients/appointments", {
      params: { query: { when: "upcoming", page_size: 20 } },
    }),
    api.GET("/api/v1/patients"),
  ]);
  const me = patients[0];
  const team = me
    ? await api
        .GET("/api/v1/patients/{id}/care-team", { params: { path: { id: me.id } } })
        .catch(() => [])
    : [];
  return { appointments, names: new Map(team.map((m) => [m.user_id, m.name])) };
}

const PLACE: Record<string, string> = {
  clinic: "at the clinic",
  home: "at home",
  online: "online",
};

export function UpcomingAppointments() {
  const loaded = useLoad(loadUpcoming, []);
  return (
    <section aria-labelledby="upcoming-title" class="upcoming">
      <h3 id="upcoming-title">Upcoming appointments</h3>
      <Loading loaded={loaded}>
        {({ appointments, names }) =>
          appointments.length === 0 ? (
            <p id="upcoming-appointments">No upcoming appointments.</p>
          ) : (
            <ul class="list" id="upcoming-appointments">
              {appointments.map((a) => (
                <li class={`appt-${a.status}`} data-id={a.id}>
                  <strong>{fmtRange(a.scheduled_start, a.scheduled_end)}</strong> with{" "}
                  {names.get(a.clinician_id) ?? "your clinician"}
                  {PLACE[a.location_type] ? `, ${PLACE[a.location_type]}` : ""}
                  {a.status === "cancelled" ? " (cancelled)" : ""}
                </li>
              ))}
            </ul>
          )
        }
      </Loading>
    </section>
  );
}

/** The component as a node, for hand-built pages (`island(upcomingAppointments())` in home.ts). */
export const upcomingAppointments = () => <UpcomingAppointments />;
