/** Clinician: a patient's progress chart (the API's own SVG, fetched with the token). */
import { ApiError, api } from "../api";
import { h, render, status } from "../ui";

export async function progressView(patientId: string) {
  let svg: string;
  try {
    svg = await api.GET("/api/v1/patients/{id}/progress.svg", {
      params: { path: { id: patientId } },
      parseAs: "text",
    });
  } catch (error) {
    const code = error instanceof ApiError ? error.status : 0;
    status(
      code === 404 ? "That patient is not on your list." : `The chart could not load (${code}).`,
      "error",
    );
    return;
  }
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
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
