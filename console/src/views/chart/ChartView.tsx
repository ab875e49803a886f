/**
 * `#/patients/{id}`: a patient's chart. What it shows is what the API lets the caller see: a
 * record outside the caller's care teams (or of another clinic) is a 404 and reads "not on your
 * list"; a role without chart access (family) is a 403 and says so. Each part loads on its own, so
 * one refused part (family access, for a clinician) does not hide the rest.
 */
import { CallButton } from "../../components/CallButton";
import { api, session } from "../../api";
import { fmt } from "../../ui";
import { Loading, useLoad } from "../../view";
import { Assignments } from "./Assignments";
import { CareTeam, FamilyAccess } from "./CareTeam";
import { day } from "./format";
import { ClinicalLists, Profile } from "./Records";
import { VitalsChart } from "./VitalsChart";

const CLINICIANS = ["physiotherapist", "doctor", "nurse"];

export function ChartView(props: { patientId: string }) {
  const id = props.patientId;
  const detail = useLoad(
    () => api.GET("/api/v1/patients/{id}", { params: { path: { id } } }),
    [id],
  );
  if (detail.status === 404 || detail.status === 403)
    return (
      <>
        <h2>Patient chart</h2>
        <p class="error" role="alert" id="chart-refused">
          {detail.status === 404
            ? "That patient is not on your list. Ask a clinic admin to add you to their care team."
            : "Your role cannot open patient charts."}
        </p>
        <p>
          <a href="#/patients">Back to patients</a>
        </p>
      </>
    );
  return (
    <Loading loaded={detail}>
      {(p) =>
        // A family member is answered with the shared summary, not the chart.
        "view" in p ? (
          <>
            <h2>{p.name}</h2>
            <p>
              What {p.name} shares with you is in the mobile app; the chart is for the care team.
            </p>
          </>
        ) : (
          <article class="patient-chart" aria-labelledby="chart-name">
            <header class="chart-head">
              <div>
                <h2 id="chart-name">{p.name}</h2>
                <p class="muted">
                  MRN {p.mrn}
                  {p.date_of_birth ? ` · born ${day(p.date_of_birth)}` : ""}
                </p>
              </div>
              <nav class="chart-links" aria-label="For this patient">
                <a href={`#/progress/${id}`}>Progress</a>
                <a href={`#/notes/new/${id}`}>New note</a>
                <a href="#/chats">Chats</a>
                {"user_id" in p && p.user_id ? (
                  <CallButton userId={p.user_id} name={p.name} />
                ) : null}
              </nav>
            </header>
            <div class="chart-grid">
              <Profile p={p} />
              <ClinicalLists p={p} />
            </div>
            <Vitals patientId={id} />
            <Assignments patientId={id} canAssign={CLINICIANS.includes(session.user?.role ?? "")} />
            <Sessions patientId={id} />
            <div class="chart-grid">
              <CareTeam patientId={id} />
              <FamilyAccess patientId={id} />
            </div>
            <p>
              <a href="#/patients">Back to patients</a>
            </p>
          </article>
        )
      }
    </Loading>
  );
}

function Vitals(props: { patientId: string }) {
  const vitals = useLoad(
    () =>
      api.GET("/api/v1/patients/{id}/vitals", {
        params: { path: { id: props.patientId }, query: { page_size: 30 } },
      }),
    [props.patientId],
  );
  return (
    <section aria-labelledby="vitals-h" class="chart-part">
      <h3 id="vitals-h">Vital signs</h3>
      <Loading loaded={vitals}>{(list) => <VitalsChart vitals={list} />}</Loading>
    </section>
  );
}

/** The latest sessions, each linked to its review; the progress page has the long view. */
function Sessions(props: { patientId: string }) {
  const sessions = useLoad(
    () =>
      api.GET("/api/v1/sessions", {
        params: { query: { patient_id: props.patientId, page_size: 10 } },
      }),
    [props.patientId],
  );
  return (
    <section aria-labelledby="sessions-h" class="chart-part">
      <h3 id="sessions-h">Recent sessions</h3>
      <Loading loaded={sessions}>
        {(list) =>
          list.length ? (
            <ul class="list" id="chart-sessions">
              {list.map((s) => {
                const when = s.start_time ?? ("created_at" in s ? s.created_at : null);
                const open = ["review_pending", "reviewed", "completed"].includes(s.status);
                return (
                  <li data-session={s.id}>
                    {s.exercise_name} · {s.status.replace("_", " ")} · {fmt.date(when)}{" "}
                    {open ? (
                      <a href={`#/review/${s.id}`}>
                        {s.status === "review_pending" ? "Review" : "Open"}
                      </a>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          ) : (
            <p id="chart-sessions">No sessions yet.</p>
          )
        }
      </Loading>
      <p>
        <a href={`#/progress/${props.patientId}`}>Progress over time</a>
      </p>
    </section>
  );
}
