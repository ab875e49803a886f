/** Clinician: a patient's progress chart (the API's own SVG, fetched with the token). */
import { useEffect, useState } from "hono/jsx/dom";
import { api } from "../api";
import { useLoad } from "../view";

export function ProgressView(props: { patientId: string; title?: string; back?: boolean }) {
  const chart = useLoad(
    () =>
      api.GET("/api/v1/patients/{id}/progress.svg", {
        params: { path: { id: props.patientId } },
        parseAs: "text",
      }),
    [props.patientId],
  );
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (chart.data === undefined) return;
    const u = URL.createObjectURL(new Blob([chart.data], { type: "image/svg+xml" }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [chart.data]);
  return (
    <>
      <h2>{props.title ?? "Progress"}</h2>
      {chart.error ? (
        <p class="error" role="alert">
          {chart.status === 404
            ? "That patient is not on your list."
            : `The chart could not load (${chart.error}).`}
        </p>
      ) : url ? (
        <img
          src={url}
          id="progress-chart"
          alt="Progress per exercise: range of motion, repetitions and quality over time"
          class="chart"
        />
      ) : (
        <p aria-busy="true">Loading…</p>
      )}
      {props.back === false ? null : (
        <p>
          <a href="#/">Back</a>
        </p>
      )}
    </>
  );
}
