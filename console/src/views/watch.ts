/**
 * Clinician: watch a patient's live session. Joins the room as a watcher, draws the skeleton the
 * room forwards (up to 10 frames a second), shows counts and the room's cues, and sends cues to
 * the patient's device.
 */
import { LiveRoom, type LiveMessage } from "../live";
import { drawSkeleton } from "../skeleton";
import { fmt, h, render, status } from "../ui";

export function watchView(sessionId: string) {
  const canvas = h("canvas", {
    class: "watch",
    id: "watch-canvas",
    role: "img",
    "aria-label": "Patient skeleton, live",
  });
  const reps = h("output", { id: "watch-reps" }, "0");
  const angle = h("output", { id: "watch-angle" }, "—");
  const exercise = h("span", { id: "watch-exercise" }, "");
  const conn = h("span", { id: "connection", class: "pill" }, "offline");
  const log = h("ul", { id: "watch-cues", class: "cues", "aria-live": "polite" });
  const input = h("input", { id: "cue-text", maxlength: 200, required: true });
  const form = h(
    "form",
    { class: "inline" },
    h("label", { for: "cue-text" }, "Cue to the patient"),
    input,
    h("button", { type: "submit", id: "send-cue" }, "Send cue"),
  );
  render(
    h("h2", {}, "Watching live ", exercise),
    canvas,
    h(
      "dl",
      { class: "stats" },
      h("dt", {}, "Repetitions"),
      h("dd", {}, reps),
      h("dt", {}, "Angle"),
      h("dd", {}, angle),
      h("dt", {}, "Live link"),
      h("dd", {}, conn),
    ),
    form,
    h("h3", {}, "Cues"),
    log,
    h("p", {}, h("a", { href: "#/" }, "Back")),
  );
  const size = { width: 480, height: 480 };
  const note = (text: string) => {
    log.prepend(h("li", {}, text));
    while (log.children.length > 8) log.lastElementChild?.remove();
  };
  const onMessage = (m: LiveMessage) => {
    if (m.type === "ready") {
      exercise.textContent = `(${m.exercise.slug.replace(/_/g, " ")})`;
      reps.textContent = String(m.rep_count);
    } else if (m.type === "frames") {
      const last = m.frames[m.frames.length - 1];
      if (last) drawSkeleton(canvas, size, last.landmarks);
    } else if (m.type === "feedback") {
      reps.textContent = String(m.rep_count);
      angle.textContent = fmt.deg(m.primary_angle);
      for (const c of m.cues) note(`Room: ${c.message}`);
    } else if (m.type === "cue") {
      note(`Sent: ${m.message}`);
    } else if (m.type === "error") status(m.message, "error");
  };
  const room = new LiveRoom(sessionId, onMessage, (s, detail) => {
    conn.textContent = s;
    conn.dataset.state = s;
    if (s === "closed") status(`The live link closed: ${detail ?? ""}`, "error");
    if (s === "reconnecting") status("Connection lost; reconnecting…", "error");
  });
  window.addEventListener("hashchange", () => room.close(), { once: true });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (room.sendCue(text)) {
      input.value = "";
      status("Cue sent.", "ok");
    } else status("Not connected: the cue was not sent.", "error");
  });
}
