/** Clinician: a patient's progress chart (the API's own SVG, fetched with the token). */
import { session } from "../api";
import { h, render, status } from "../ui";

export async function progressView(patientId: string) {
  const res = await fetch(`/api/v1/patients/${patientId}/progress.svg`, {
    headers: { authorization: `Bearer ${session.token ?? ""}` },
  });
  if (!res.ok) {
    status(
      res.status === 404
        ? "That patient is not on your list."
        : `The chart could not load (${res.status}).`,
      "error",
    );
    return;
  }
  const url = URL.createObjectURL(new Blob([await res.text()], { type: "image/svg+xml" }));
  render(
    h("h2", {}, "Progress"),
    h("img", {
      src: url,
      id: "progress-chart",
      alt: "Progress per exercise: range of motion, repetitions and quality over time",
      class: "chart",
    }),
    h("p", {}, h("a", { href: "#/" }, "Back")),
  );
}
