/**
 * `#/record`: an exercise from a recorded video instead of the camera. The patient (or a
 * clinician for one of their patients) picks a video file; the page runs the live page's pose
 * model over it frame by frame at the video's own timestamps (walk.ts), then sends it as a
 * session (send.ts) and shows the server's prediction and analysis.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { ApiError, api, idempotencyKey, session, type Schemas } from "../../api";
import { loadPoseDetector } from "../../pose";
import { drawSkeleton } from "../../skeleton";
import { errorText } from "../../ui";
import { Field, Loading, fieldErrors, useLoad } from "../../view";
import { sendSession, VIDEO_TYPES, type SendProgress, type Step, type Target } from "./send";
import { walkVideo, type VideoFrame } from "./walk";

type Choices = {
  patients: { id: string; name: string }[];
  /** Whether the caller is the patient (no patient picker). */
  self: boolean;
};

const STEP_TEXT: Record<Step, string> = {
  create: "Creating the session…",
  upload: "Uploading the video…",
  frames: "Sending the poses",
  complete: "The server is analysing the movement…",
  predict: "The server is predicting the exercise…",
};

async function loadChoices(): Promise<Choices> {
  if (session.user?.role === "patient") {
    const [me] = await api.GET("/api/v1/patients");
    return { patients: me ? [{ id: me.id, name: "you" }] : [], self: true };
  }
  const patients = await api.GET("/api/v1/physio/patients", {
    params: { query: { page_size: 100 } },
  });
  return { patients: patients.map((p) => ({ id: p.id, name: p.name })), self: false };
}

export function RecordView() {
  const choices = useLoad(loadChoices);
  return (
    <>
      <h2 id="record-title">Record from a video</h2>
      <p>
        Choose a video of the exercise. Your device finds the body's position in each frame (the
        video is not sent anywhere until you press the button), then the video and the positions are
        saved as a session for your care team to review.
      </p>
      <Loading loaded={choices}>
        {(c) =>
          c.patients.length ? (
            <RecordForm choices={c} />
          ) : (
            <p>{c.self ? "No patient record is linked to this login yet." : "No patients yet."}</p>
          )
        }
      </Loading>
    </>
  );
}

function RecordForm(props: { choices: Choices }) {
  const { choices } = props;
  const [patientId, setPatientId] = useState(choices.patients[0]!.id);
  const [target, setTarget] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [videoUrl, setVideoUrl] = useState<string | null>(null);
  const [meta, setMeta] = useState<{ duration: number; width: number; height: number } | null>(
    null,
  );
  const [perSecond, setPerSecond] = useState(30);
  const [phase, setPhase] = useState<"idle" | "walking" | "sending" | "done">("idle");
  const [walk, setWalk] = useState<{ at: number; found: number; seen: number } | null>(null);
  const [message, setMessage] = useState<{ text: string; kind: "info" | "error" | "ok" } | null>(
    null,
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<SendProgress | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const result$ = useRef<HTMLElement>(null);
  // What survives a failed send: the walked frames (walking again gives the same answer, slowly)
  // and the steps already done with the session's idempotency key.
  const walked = useRef<{ frames: VideoFrame[]; perSecond: number } | null>(null);
  const progress = useRef<SendProgress | null>(null);
  const stopper = useRef<AbortController | null>(null);

  const assignments = useLoad(
    () =>
      api.GET("/api/v1/exercises/patient/{patient_id}", {
        params: { path: { patient_id: patientId }, query: { page_size: 50 } },
      }),
    [patientId],
  );
  const catalog = useLoad(() => api.GET("/api/v1/exercise-types", {}));

  // A new patient, exercise or file is a new session (and a new idempotency key).
  useEffect(() => {
    progress.current = null;
    setResult(null);
    if (phase === "done") setPhase("idle");
  }, [patientId, target, file]);
  useEffect(() => {
    walked.current = null;
  }, [file, perSecond]);
  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setVideoUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);
  // Leaving the page stops a walk in progress.
  useEffect(() => () => stopper.current?.abort(), []);

  const open = assignments.data?.filter((a) => a.exercise_type && a.status !== "Completed") ?? [];
  const targetOf = (value: string): Target | null =>
    value.startsWith("a:")
      ? { assignmentId: value.slice(2) }
      : value.startsWith("t:")
        ? { exerciseType: value.slice(2) }
        : null;
  const nameOf = (slug: string | null) =>
    (slug && catalog.data?.find((t) => t.slug === slug)?.name) || slug || "—";

  const onFile = (event: Event) => {
    const picked = (event.target as HTMLInputElement).files?.[0] ?? null;
    setMeta(null);
    setFileError(
      picked && !VIDEO_TYPES.includes(picked.type)
        ? `This is not an MP4, QuickTime or WebM video (${picked.type || "unknown type"}).`
        : null,
    );
    setFile(picked);
  };

  const onMeta = () => {
    const v = video.current!;
    setMeta({ duration: v.duration, width: v.videoWidth, height: v.videoHeight });
  };

  const say = (text: string, kind: "info" | "error" | "ok" = "info") => setMessage({ text, kind });

  const run = async (event: Event) => {
    event.preventDefault();
    const chosen = targetOf(target);
    const missing: Record<string, string> = {};
    if (!chosen) missing.exercise = "Choose the exercise the video shows.";
    if (!file) missing.video = "Choose a video file.";
    setErrors(missing);
    if (!chosen || !file || fileError) return;
    if (!meta) return say("The video has not loaded yet; wait a moment and try again.", "error");
    const v = video.current!;
    const size = { width: meta.width, height: meta.height };
    try {
      if (!walked.current) {
        setPhase("walking");
        say("Loading the pose model…");
        const detector = await loadPoseDetector();
        say("Finding the body in each frame…");
        stopper.current = new AbortController();
        const frames = await walkVideo(v, detector, {
          perSecond,
          signal: stopper.current.signal,
          onProgress: (p) => {
            setWalk({ at: p.at, found: p.found, seen: p.seen });
            if (canvas.current) drawSkeleton(canvas.current, size, p.pose?.landmarks ?? null);
          },
        });
        if (frames.length < 2) {
          setPhase("idle");
          return say(
            "No person was found in enough frames of this video. Film the whole body, well lit, and try another video.",
            "error",
          );
        }
        walked.current = { frames, perSecond };
      }
      setPhase("sending");
      progress.current ??= { key: idempotencyKey(), chunks: 0 };
      const done = await sendSession(
        { patientId, target: chosen, file, frames: walked.current.frames, frameSize: size },
        progress.current,
        (step, detail) => say(detail ? `${STEP_TEXT[step]} (${detail})…` : STEP_TEXT[step]),
      );
      setResult({ ...done });
      setPhase("done");
      say("Saved. Your care team will review the session.", "ok");
    } catch (error) {
      setPhase("idle");
      if ((error as DOMException).name === "AbortError") return say("Stopped.", "info");
      const fields = fieldErrors(error);
      setErrors({
        exercise: fields.assignment_id ?? fields.exercise_type ?? fields.exercise_id ?? "",
        video: fields.video_content_type ?? fields.video_size_bytes ?? "",
        patient: fields.patient_id ?? "",
      });
      say(
        error instanceof ApiError && error.status === 413
          ? `The video is too large to upload (${errorText(error)}).`
          : `${errorText(error)} Press the button again to retry; finished steps are not repeated.`,
        "error",
      );
    }
  };

  useEffect(() => {
    if (phase === "done") result$.current?.focus();
  }, [phase]);

  const busy = phase === "walking" || phase === "sending";
  return (
    <form class="card record" aria-labelledby="record-title" onSubmit={run}>
      {choices.self ? null : (
        <Field id="record-patient" label="Patient" error={errors.patient}>
          <select
            id="record-patient"
            disabled={busy}
            value={patientId}
            onChange={(e) => setPatientId((e.target as HTMLSelectElement).value)}
          >
            {choices.patients.map((p) => (
              <option value={p.id}>{p.name}</option>
            ))}
          </select>
        </Field>
      )}
      <Field id="record-exercise" label="Exercise in the video" error={errors.exercise}>
        <select
          id="record-exercise"
          disabled={busy}
          value={target}
          onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}
        >
          <option value="">Choose…</option>
          {open.length ? (
            <optgroup label={choices.self ? "Assigned to you" : "Assigned"}>
              {open.map((a) => (
                <option value={`a:${a.id}`} data-slug={a.exercise_type!.slug}>
                  {a.exercise_type!.name}
                </option>
              ))}
            </optgroup>
          ) : null}
          <optgroup label="Another exercise from the catalog">
            {(catalog.data ?? []).map((t) => (
              <option value={`t:${t.slug}`}>{t.name}</option>
            ))}
          </optgroup>
        </select>
      </Field>
      {assignments.error || catalog.error ? (
        <p class="error" role="alert">
          The exercise list could not load ({assignments.error ?? catalog.error}).
        </p>
      ) : null}
      <Field
        id="record-file"
        label="Video file (MP4, MOV or WebM)"
        error={errors.video || fileError}
      >
        <input
          id="record-file"
          type="file"
          accept={VIDEO_TYPES.join(",")}
          disabled={busy}
          onChange={onFile}
        />
      </Field>
      <Field id="record-rate" label="Frames to analyse per second">
        <select
          id="record-rate"
          disabled={busy}
          value={String(perSecond)}
          onChange={(e) => setPerSecond(Number((e.target as HTMLSelectElement).value))}
        >
          <option value="30">30 (every frame of most videos)</option>
          <option value="15">15 (faster)</option>
          <option value="10">10 (fastest)</option>
        </select>
      </Field>
      {videoUrl ? (
        <div class="stage">
          <video
            ref={video}
            id="record-video"
            src={videoUrl}
            muted
            playsinline
            preload="auto"
            controls={!busy}
            aria-label="The chosen video"
            onLoadedMetadata={onMeta}
          />
          <canvas ref={canvas} class="overlay" aria-hidden="true" />
        </div>
      ) : null}
      {meta ? (
        <p id="record-meta">
          {meta.duration.toFixed(1)} s, {meta.width}×{meta.height}
          {file ? `, ${(file.size / 1e6).toFixed(1)} MB` : ""}
        </p>
      ) : null}
      {walk && meta ? (
        <p class="record-progress">
          <label for="record-walk">Frames looked at</label>
          <progress
            id="record-walk"
            max={meta.duration}
            value={Math.min(walk.at, meta.duration)}
            data-found={walk.found}
          />
          <span>
            {walk.seen} frames, a person in {walk.found} ({walk.at.toFixed(1)} of{" "}
            {meta.duration.toFixed(1)} s)
          </span>
        </p>
      ) : null}
      <p class="actions">
        {/* Once saved, the same video is not sent again: another file starts a new session. */}
        {phase === "done" ? null : (
          <button type="submit" id="record-run" disabled={busy}>
            {progress.current ? "Try again" : "Analyse and upload"}
          </button>
        )}{" "}
        {phase === "walking" ? (
          <button type="button" onClick={() => stopper.current?.abort()}>
            Stop
          </button>
        ) : null}
      </p>
      <p id="record-status" role="status" aria-live="polite" class={message?.kind ?? ""}>
        {message?.text ?? ""}
      </p>
      {result?.prediction ? (
        <Result
          sendOut={result}
          nameOf={nameOf}
          self={choices.self}
          patientId={patientId}
          ref$={result$}
          hasAssignment={target.startsWith("a:")}
        />
      ) : null}
    </form>
  );
}

function Result(props: {
  sendOut: SendProgress;
  nameOf: (slug: string | null) => string;
  self: boolean;
  patientId: string;
  hasAssignment: boolean;
  ref$: { current: HTMLElement | null };
}) {
  const p = props.sendOut.prediction!;
  const a = props.sendOut.completed?.pose_data ?? null;
  const issues = (a?.form_issues ?? []) as {
    type?: string;
    message?: string;
    rep?: number | null;
    severity?: string;
  }[];
  return (
    <section
      id="record-result"
      aria-labelledby="record-result-title"
      tabIndex={-1}
      ref={props.ref$}
      data-session={props.sendOut.created?.session_id}
    >
      <h3 id="record-result-title">What the server found</h3>
      <dl class="stats">
        <dt>Predicted exercise</dt>
        <dd id="predicted-motion" data-slug={p.predicted_motion}>
          {props.nameOf(p.predicted_motion)}
        </dd>
        <dt>Confidence</dt>
        <dd id="confidence">{Math.round(p.confidence_score * 100)} %</dd>
        <dt>{props.hasAssignment ? "Matches the assignment" : "Matches the chosen exercise"}</dt>
        <dd id="is-match">
          {p.is_match === null
            ? "—"
            : p.is_match
              ? "Yes"
              : `No (expected ${props.nameOf(p.expected_motion)})`}
        </dd>
        <dt>Repetitions</dt>
        <dd id="record-reps">
          {a?.rep_count ?? "still being analysed"}
          {a?.partial_reps ? ` (+${a.partial_reps} partial)` : ""}
        </dd>
        <dt>Quality</dt>
        <dd id="record-quality">
          {a?.quality_score != null ? `${Math.round(a.quality_score * 100)} %` : "—"}
        </dd>
        {a?.hold_seconds ? (
          <>
            <dt>Longest hold</dt>
            <dd>{a.hold_seconds.toFixed(1)} s</dd>
          </>
        ) : null}
        <dt>Frames analysed</dt>
        <dd id="record-frames">{a?.frame_count ?? "—"}</dd>
      </dl>
      <h4>Form</h4>
      <ul id="record-faults" class="list">
        {issues.length ? (
          issues.map((i) => (
            <li class={`cue ${i.severity ?? ""}`}>
              {i.message ?? i.type}
              {i.rep != null ? ` (repetition ${i.rep})` : ""}
            </li>
          ))
        ) : (
          <li>No form faults found.</li>
        )}
      </ul>
      <p>
        <a href={props.self ? "#/my-progress" : `#/progress/${props.patientId}`}>
          {props.self ? "See your progress" : "The patient's progress"}
        </a>{" "}
        · <a href="#/">Home</a>
      </p>
    </section>
  );
}
