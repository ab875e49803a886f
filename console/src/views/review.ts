/**
 * Clinician: review one session. The video (a short-lived signed link from the API, bytes from
 * R2) with the skeleton from the stored frames drawn in sync; the primary joint's angle over
 * time with each repetition and each form issue marked (click to seek); the analysis summary;
 * the review form (seed 000 §4). Repetitions are found by running the server's own analysis
 * engine (src/analysis) on the stored frames in the page, so the marks match the server's count.
 */
import { analyzeSession } from "../../../src/analysis/session";
import type { AnalysisConfig } from "../../../src/modules/exercise-types/exercise-types.analysis";
import { ApiError, api, type Schemas } from "../api";
import { angleChart, type Mark } from "../chart";
import { drawSkeleton, type Landmark } from "../skeleton";
import { errorText, fmt, h, render, status } from "../ui";

type Frame = Schemas["PoseFramesWindow"]["frames"][number];

async function allFrames(id: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  let from = 0;
  for (let page = 0; page < 40; page++) {
    const w = await api.GET("/api/v1/sessions/{id}/frames", {
      params: { path: { id }, query: { from_ms: from, limit: 3000 } },
    });
    frames.push(...w.frames);
    if (w.next_from_ms == null) break;
    from = w.next_from_ms;
  }
  return frames;
}

export async function reviewView(id: string) {
  status("Loading the session…");
  const detail = await api.GET("/api/v1/sessions/{id}", { params: { path: { id } } });
  // A family member gets the summary shape; the review is a clinician's page.
  if (!("session" in detail))
    throw new ApiError(404, "NOT_FOUND", "No review for this session", null);
  const [frames, type] = await Promise.all([
    allFrames(id),
    api.GET("/api/v1/exercise-types/{id}", {
      params: { path: { id: detail.session.exercise_type_id } },
    }),
  ]);
  const config: AnalysisConfig = type.analysis;
  const joint = config.primary_joint;
  const first = frames[0]?.timestamp ?? 0;
  const analysis = analyzeSession(
    frames.map((f) => ({ ...f, timestamp: f.offset_ms })),
    config,
    detail.pose_data.frame_size ? { frameSize: detail.pose_data.frame_size } : {},
  );
  const points = analysis.primary_series
    .map(([t, v]) => ({ t, v }))
    .filter((p) => Number.isFinite(p.v));
  const marks: Mark[] = [
    ...analysis.reps.map((r) => ({
      kind: "rep" as const,
      start: r.start_ms,
      end: r.end_ms,
      label: `Repetition ${r.index}`,
    })),
    // Issues are stored as the analysis wrote them (open objects): read what this chart needs.
    ...detail.pose_data.form_issues.flatMap((i) =>
      typeof i.timestamp === "number"
        ? [
            {
              kind: "issue" as const,
              start: i.timestamp - first,
              end: i.timestamp - first,
              label: typeof i.message === "string" ? i.message : "Form issue",
            },
          ]
        : [],
    ),
  ];

  const video = h("video", {
    id: "review-video",
    controls: true,
    playsinline: true,
    preload: "auto",
  });
  video.muted = true;
  const canvas = h("canvas", { class: "overlay", id: "review-overlay", "aria-hidden": "true" });
  if (detail.session.video_url) video.src = detail.session.video_url;
  const size = detail.pose_data.frame_size ?? { width: 640, height: 480 };
  const seek = (ms: number) => {
    video.currentTime = Math.max(0, ms / 1000);
    draw();
  };
  const frameAt = (ms: number) => {
    let lo = 0;
    let hi = frames.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (frames[mid]!.offset_ms <= ms) lo = mid;
      else hi = mid - 1;
    }
    return frames[lo];
  };
  const draw = () => {
    const f = frameAt(video.currentTime * 1000);
    drawSkeleton(
      canvas,
      { width: video.videoWidth || size.width, height: video.videoHeight || size.height },
      f?.landmarks ?? null,
    );
  };
  video.addEventListener("timeupdate", draw);
  video.addEventListener("seeked", draw);
  video.addEventListener("loadeddata", draw);
  const tick = () => {
    if (!video.paused) draw();
    if (document.body.contains(video)) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  const pd = detail.pose_data;
  const range = config.target_ranges[joint];
  const summary = h(
    "dl",
    { class: "stats", id: "summary" },
    h("dt", {}, "Repetitions"),
    h("dd", {}, `${pd.rep_count ?? "—"} (partial ${pd.partial_reps ?? 0})`),
    h("dt", {}, "Quality"),
    h("dd", {}, pd.quality_score == null ? "—" : `${Math.round(pd.quality_score * 100)} / 100`),
    h("dt", {}, `Range (${joint.replace("_", " ")})`),
    h(
      "dd",
      {},
      pd.angle_ranges[joint]
        ? `${fmt.deg(pd.angle_ranges[joint]!.min)}–${fmt.deg(pd.angle_ranges[joint]!.max)}`
        : "—",
    ),
    h("dt", {}, "Form issues"),
    h("dd", {}, String(pd.form_issues.length)),
  );
  const issues = h("ul", { class: "list", id: "issues" });
  for (const m of marks.filter((x) => x.kind === "issue")) {
    const b = h(
      "button",
      { type: "button", class: "link" },
      `${(m.start / 1000).toFixed(1)} s: ${m.label}`,
    );
    b.addEventListener("click", () => seek(m.start));
    issues.append(h("li", {}, b));
  }
  const chart = angleChart(
    points,
    marks,
    range ?? null,
    seek,
    `${joint.replace("_", " ")} angle over time`,
  );
  render(
    h("h2", {}, `Review: ${detail.session.patient_name ?? ""} · ${detail.session.exercise_name}`),
    h("div", { class: "stage" }, video, canvas),
    detail.session.video_url
      ? h("span")
      : h("p", { class: "error" }, "No video was uploaded for this session."),
    h("h3", {}, "Angle"),
    chart,
    h("h3", {}, "Summary"),
    summary,
    issues,
    reviewForm(id, detail.review),
  );
  status(`${frames.length} frames loaded.`, "ok");
}

function reviewForm(id: string, existing: Schemas["ExerciseSessionDetail"]["review"]) {
  if (existing)
    return h(
      "p",
      { id: "reviewed" },
      `Reviewed: ${existing.overall_assessment}. ${existing.notes ?? ""}`,
    );
  const assessment = h("select", { id: "assessment", required: true });
  for (const a of ["EXCELLENT", "GOOD", "FAIR", "POOR"])
    assessment.append(h("option", { value: a }, a[0] + a.slice(1).toLowerCase()));
  assessment.value = "GOOD";
  const notes = h("textarea", { id: "notes", rows: 3, maxlength: 8000 });
  const issue = h("input", { id: "issue", maxlength: 500 });
  const advice = h("input", { id: "recommendation", maxlength: 500 });
  const form = h(
    "form",
    { class: "card", id: "review-form", "aria-labelledby": "review-title" },
    h("h3", { id: "review-title" }, "Your review"),
    h("p", {}, h("label", { for: "assessment" }, "Overall assessment"), assessment),
    h("p", {}, h("label", { for: "notes" }, "Notes"), notes),
    h("p", {}, h("label", { for: "issue" }, "Form feedback (optional)"), issue),
    h("p", {}, h("label", { for: "recommendation" }, "Recommendation"), advice),
    h("button", { type: "submit", id: "submit-review" }, "Submit review"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body: Schemas["CreateSessionReviewInput"] = {
      session_id: id,
      overall_assessment:
        assessment.value as Schemas["CreateSessionReviewInput"]["overall_assessment"],
    };
    if (notes.value.trim()) body.notes = notes.value.trim();
    if (issue.value.trim())
      body.form_feedback = [
        {
          issue: issue.value.trim(),
          ...(advice.value.trim() ? { recommendation: advice.value.trim() } : {}),
        },
      ];
    try {
      await api.POST("/api/v1/physio/reviews", { body });
      status("Review saved.", "ok");
      form.replaceWith(h("p", { id: "reviewed" }, `Reviewed: ${assessment.value}.`));
    } catch (error) {
      status(errorText(error), "error");
    }
  });
  return form;
}
