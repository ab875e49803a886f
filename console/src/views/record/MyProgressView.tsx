/**
 * `#/my-progress`: the patient's own progress. The API's chart (`GET /patients/{id}/progress.svg`,
 * the one clinicians see) and its numbers (`GET /patients/{id}/progress`) for the caller's own
 * patient record: the API lets a patient read their own, as the care team reads it.
 */
import { api } from "../../api";
import { useLoad, Loading } from "../../view";
import { ProgressView } from "../progress";

type Progress = Awaited<ReturnType<typeof loadNumbers>>;

const loadNumbers = (patientId: string) =>
  api.GET("/api/v1/patients/{id}/progress", { params: { path: { id: patientId } } });

export function MyProgressView() {
  const me = useLoad(async () => (await api.GET("/api/v1/patients"))[0] ?? null);
  return (
    <Loading loaded={me}>
      {(patient) =>
        patient ? (
          <>
            <ProgressView patientId={patient.id} title="Your progress" back={false} />
            <Numbers patientId={patient.id} />
          </>
        ) : (
          <p>No patient record is linked to this login yet.</p>
        )
      }
    </Loading>
  );
}

/** The chart's numbers, per exercise. */
function Numbers(props: { patientId: string }) {
  const numbers = useLoad(() => loadNumbers(props.patientId), [props.patientId]);
  return (
    <section aria-labelledby="my-numbers-title">
      <h3 id="my-numbers-title">Per exercise</h3>
      <Loading loaded={numbers}>{(p: Progress) => <Table progress={p} />}</Loading>
      <p>
        <a href="#/record">Record from a video</a>
      </p>
    </section>
  );
}

const deg = (v: number | null) => (v == null ? "—" : `${Math.round(v)}°`);
const pct = (v: number | null) => (v == null ? "—" : `${Math.round(v * 100)} %`);

/** One block per exercise (a definition list): readable by a screen reader, and on a phone. */
function Table(props: { progress: Progress }) {
  const rows = props.progress.exercises.filter((e) => e.series.length > 0);
  if (!rows.length) return <p id="my-progress-empty">No analysed sessions yet.</p>;
  return (
    <div id="my-progress-table">
      {rows.map((e) => (
        <section class="card" data-exercise={e.exercise_type} aria-label={e.exercise_name}>
          <h4>{e.exercise_name}</h4>
          <dl class="stats">
            <dt>Sessions</dt>
            <dd>{e.sessions}</dd>
            <dt>Repetitions</dt>
            <dd>{e.total_reps}</dd>
            <dt>Range of motion, first → latest</dt>
            <dd>
              {deg(e.range_of_motion.first)} → {deg(e.range_of_motion.last)}
            </dd>
            <dt>Average quality</dt>
            <dd>{pct(e.average_quality)}</dd>
            <dt>Done as planned</dt>
            <dd>{pct(e.adherence?.rate ?? null)}</dd>
          </dl>
        </section>
      ))}
    </div>
  );
}
