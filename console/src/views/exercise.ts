/**
 * Patient: one live exercise session. Camera → BlazePose in the page → skeleton over the video →
 * frames to the live room → repetition count, angle against the target range, cues (text and,
 * if switched on, speech) and hold timer from the room. MediaRecorder records meanwhile; Finish
 * waits for the room to acknowledge every frame, uploads the video through the session's signed
 * upload URL and completes the session (the server analyses it).
 */
import { api } from "../api";
import { errorText as _e } from "../ui";
import { estimate, loadPoseDetector } from "../pose";
import { LiveRoom, type LiveFrame, type LiveMessage } from "../live";
import { drawSkeleton } from "../skeleton";
import { fmt, h, render, status } from "../ui";
import type { CreatedSession } from "./home";

/** Upload tickets of sessions created in this page (the API gives them only at creation). */
export const uploads = new Map<string, CreatedSession["upload_urls"]>();

const SEND_EVERY_MS = 100;

export async function exerciseView(sessionId: string) {
  const video = h("video", { muted: true, playsinline: true, "aria-label": "Your camera" });
  video.muted = true;
  const canvas = h("canvas", { class: "overlay", "aria-hidden": "true" });
  const reps = h("output", { id: "rep-count", "aria-label": "Repetitions" }, "0");
  const angle = h("output", { id: "angle" }, "—");
  const target = h("span", { id: "target" }, "");
  const phase = h("output", { id: "phase" }, "—");
  const hold = h("output", { id: "hold" }, "—");
  const cues = h("ul", { id: "cues", "aria-live": "assertive", class: "cues" });
  // The clinician's latest cue stays in view (room cues scroll past in the list).
  const clinicianCue = h("p", { id: "clinician-cue", role: "alert", class: "clinician-cue" });
  const conn = h("span", { id: "connection", class: "pill" }, "offline");
  const speak = h("input", { type: "checkbox", id: "speak" });
  const startBtn = h("button", { type: "button", id: "start-camera" }, "Start camera");
  const finishBtn = h(
    "button",
    { type: "button", id: "finish", disabled: true },
    "Finish and upload",
  );

  render(
    h("h2", {}, "Live exercise"),
    h("div", { class: "stage" }, video, canvas),
    h(
      "dl",
      { class: "stats" },
      h("dt", {}, "Repetitions"),
      h("dd", {}, reps),
      h("dt", {}, "Angle"),
      h("dd", {}, angle, " ", target),
      h("dt", {}, "Phase"),
      h("dd", {}, phase),
      h("dt", {}, "Hold"),
      h("dd", {}, hold),
      h("dt", {}, "Live link"),
      h("dd", {}, conn),
    ),
    h("h3", {}, "Cues"),
    clinicianCue,
    cues,
    h("p", {}, h("label", { for: "speak" }, speak, " Read cues aloud")),
    h("p", { class: "actions" }, startBtn, " ", finishBtn),
  );

  const addCue = (text: string, kind: string) => {
    const li = h("li", { class: kind }, text);
    cues.prepend(li);
    while (cues.children.length > 6) cues.lastElementChild?.remove();
    if (speak.checked && "speechSynthesis" in window)
      speechSynthesis.speak(new SpeechSynthesisUtterance(text));
  };
  // A cue repeated within a few seconds is not shown (or spoken) again.
  const lastShown = new Map<string, number>();
  const onMessage = (m: LiveMessage) => {
    if (m.type === "ready") {
      const r = m.exercise.target_range;
      target.textContent = r ? `(target ${r.min}–${r.max}°)` : "";
      reps.textContent = String(m.rep_count);
    } else if (m.type === "feedback") {
      reps.textContent = String(m.rep_count);
      angle.textContent = fmt.deg(m.primary_angle);
      phase.textContent = m.phase;
      hold.textContent = m.hold_seconds != null ? `${m.hold_seconds.toFixed(1)} s` : "—";
      for (const c of m.cues)
        if (Date.now() - (lastShown.get(c.message) ?? 0) > 4000) {
          lastShown.set(c.message, Date.now());
          addCue(c.message, `cue ${c.severity ?? ""}`);
        }
    } else if (m.type === "cue") {
      clinicianCue.textContent = `Your clinician: ${m.message}`;
      addCue(`Your clinician: ${m.message}`, "cue clinician");
    } else if (m.type === "error") {
      status(`The live room refused a message: ${m.message}`, "error");
    }
  };
  // A camera problem stays on screen until the camera starts: the live link (re)connecting
  // must not replace the one message the patient has to act on.
  let cameraRefused = false;
  const room = new LiveRoom(sessionId, onMessage, (s, detail) => {
    conn.textContent = s;
    conn.dataset.state = s;
    if (s === "reconnecting")
      status("Connection lost; reconnecting. Your frames are kept and resent.", "error");
    if (s === "open" && !cameraRefused) status("Live link connected.", "ok");
    if (s === "closed") status(`The live link closed: ${detail ?? ""}`, "error");
  });
  window.addEventListener("hashchange", () => room.close(), { once: true });

  let recorder: MediaRecorder | null = null;
  const chunks: Blob[] = [];
  let running = false;
  /** Frames handed to the room (shown on the done page: the e2e test compares it with the API). */
  let framesSent = 0;

  startBtn.addEventListener("click", async () => {
    startBtn.disabled = true;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user" },
        audio: false,
      });
    } catch (error) {
      const name = (error as DOMException).name;
      cameraRefused = true;
      status(
        name === "NotAllowedError"
          ? "Camera access was refused. Allow the camera for this site in the browser's settings, then press Start camera again."
          : name === "NotFoundError"
            ? "No camera was found on this device."
            : `The camera could not start (${name}).`,
        "error",
      );
      startBtn.disabled = false;
      return;
    }
    cameraRefused = false;
    video.srcObject = stream;
    await video.play();
    status("Loading the pose model…");
    let detector;
    try {
      detector = await loadPoseDetector();
    } catch (error) {
      status(`The pose model could not load: ${_e(error)}`, "error");
      return;
    }
    status("Tracking. Do your exercise in view of the camera.", "ok");
    const size = { width: video.videoWidth, height: video.videoHeight };
    if (typeof MediaRecorder !== "undefined") {
      recorder = new MediaRecorder(stream, { mimeType: "video/webm" });
      recorder.ondataavailable = (e) => e.data.size > 0 && chunks.push(e.data);
    }
    running = true;
    finishBtn.disabled = false;
    let batch: LiveFrame[] = [];
    let lastSend = 0;
    let lastTs = 0;
    let estimates = 0;
    let estimateFailed = false;
    while (running) {
      const now = Date.now();
      const ts = Math.max(now, lastTs + 1);
      const pose = await estimate(detector, video, ts).catch((error: unknown) => {
        // Logged once: a broken model or backend would otherwise fail silently every frame.
        if (!estimateFailed) console.warn("pose estimation failed", error);
        estimateFailed = true;
        return null;
      });
      canvas.dataset.estimates = String(++estimates);
      drawSkeleton(canvas, size, pose?.landmarks ?? null);
      if (pose) {
        if (recorder && recorder.state === "inactive") recorder.start(1000);
        lastTs = ts;
        canvas.dataset.frames = String(++framesSent);
        batch.push({
          timestamp: ts,
          landmarks: pose.landmarks,
          world_landmarks: pose.world_landmarks,
        });
      }
      if (batch.length && (now - lastSend >= SEND_EVERY_MS || batch.length >= 30)) {
        room.sendFrames(batch, size);
        batch = [];
        lastSend = now;
      }
      await new Promise((r) => requestAnimationFrame(r));
    }
    if (batch.length) room.sendFrames(batch, size);
    stream.getTracks().forEach((t) => t.stop());
  });

  finishBtn.addEventListener("click", async () => {
    finishBtn.disabled = true;
    running = false;
    const video = await stopRecorder(recorder, chunks);
    status("Saving the last frames…");
    const until = Date.now() + 15_000;
    while (room.pending > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    if (room.pending > 0) {
      status(
        "Some frames are not stored yet; staying connected. Try Finish again shortly.",
        "error",
      );
      finishBtn.disabled = false;
      return;
    }
    room.close();
    try {
      const ticket = uploads.get(sessionId);
      if (video && ticket?.video_upload) {
        status("Uploading the video…");
        await api.upload(ticket.video, video, {
          ...ticket.video_upload.headers,
          "content-type": "video/webm",
        });
      }
      status("Analysing…");
      const done = await api.POST("/api/v1/sessions/{id}/complete", {
        params: { path: { id: sessionId } },
      });
      status(
        `Session saved (${done.status}). Repetitions: ${done.pose_data?.rep_count ?? "—"}.`,
        "ok",
      );
      render(
        h("h2", {}, "Well done"),
        h(
          "p",
          { id: "completed", "data-frames": framesSent },
          `Your session is ${done.status.replace("_", " ")}.`,
        ),
        h("p", {}, h("a", { href: "#/" }, "Back to your exercises")),
      );
    } catch (error) {
      status(_e(error), "error");
      finishBtn.disabled = false;
    }
  });
}

function stopRecorder(recorder: MediaRecorder | null, chunks: Blob[]): Promise<Blob | null> {
  if (!recorder || recorder.state === "inactive")
    return Promise.resolve(chunks.length ? new Blob(chunks, { type: "video/webm" }) : null);
  return new Promise((resolve) => {
    recorder.onstop = () => resolve(new Blob(chunks, { type: "video/webm" }));
    recorder.stop();
  });
}
