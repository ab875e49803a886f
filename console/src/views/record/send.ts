/**
 * Sends a walked video to the API as an exercise session, in the order the live page does:
 * create (Idempotency-Key), PUT the video to the signed upload URL, POST the frames in chunks,
 * complete (the server's analysis), then `POST /predict` (which exercise the frames show, and
 * whether it matches the assignment). Each step records that it is done in `progress`, so a
 * retry after a failure resumes at the step that failed and never repeats a finished one; the
 * API makes the repeatable ones safe anyway (a replayed create, a chunk known by its first
 * timestamp).
 */
import { ApiError, api, idempotent, type Schemas } from "../../api";
import type { VideoFrame } from "./walk";

/** Frames per chunk: with world landmarks about 4.6 kB a frame in JSON, well under 1 MB. */
const CHUNK_FRAMES = 100;

export type Target = { assignmentId: string } | { exerciseType: string };

/** The parts of the server's analysis the page shows. */
export type Analysis = Pick<
  Schemas["SessionPoseData"],
  "frame_count" | "rep_count" | "partial_reps" | "quality_score" | "hold_seconds" | "form_issues"
>;

export type SendProgress = {
  /** One key for this video's session: a retried create replays the first answer. */
  key: string;
  created?: Schemas["CreatedExerciseSession"];
  uploaded?: boolean;
  /** Chunks stored so far. */
  chunks: number;
  completed?: { status: string; pose_data: Analysis | null };
  prediction?: Schemas["MotionPrediction"];
};

export type Step = "create" | "upload" | "frames" | "complete" | "predict";

type VideoType = Schemas["CreateExerciseSessionInput"]["video_content_type"];
export const VIDEO_TYPES: readonly string[] = ["video/mp4", "video/quicktime", "video/webm"];

export async function sendSession(
  input: {
    patientId: string;
    target: Target;
    file: File;
    frames: VideoFrame[];
    frameSize: { width: number; height: number };
  },
  progress: SendProgress,
  onStep: (step: Step, detail?: string) => void,
): Promise<SendProgress> {
  const { patientId, target, file, frames, frameSize } = input;
  if (!progress.created) {
    onStep("create");
    progress.created = await api.POST("/api/v1/sessions", {
      body: {
        patient_id: patientId,
        ...("assignmentId" in target
          ? { assignment_id: target.assignmentId }
          : { exercise_type: target.exerciseType }),
        frame_size: frameSize,
        video_content_type: file.type as VideoType,
        video_size_bytes: file.size,
        estimated_duration: Math.max(1, Math.round(frames.at(-1)!.timestamp / 1000)),
      },
      ...idempotent(progress.key),
    });
  }
  const sessionId = progress.created.session_id;
  const ticket = progress.created.upload_urls;
  if (!progress.uploaded) {
    // No upload ticket: the deployment signs uploads elsewhere (presigned storage); the frames
    // still make the session, as on the live page.
    if (ticket.video_upload) {
      onStep("upload");
      await api.upload(ticket.video, file, {
        ...ticket.video_upload.headers,
        "content-type": file.type,
      });
    }
    progress.uploaded = true;
  }
  const total = Math.ceil(frames.length / CHUNK_FRAMES);
  while (progress.chunks < total) {
    const i = progress.chunks;
    onStep("frames", `${i + 1} of ${total}`);
    await api.POST("/api/v1/sessions/{id}/data", {
      params: { path: { id: sessionId } },
      body: {
        frames: frames.slice(i * CHUNK_FRAMES, (i + 1) * CHUNK_FRAMES),
        frame_size: frameSize,
        chunk_index: i,
      },
    });
    progress.chunks++;
  }
  if (!progress.completed) {
    onStep("complete");
    progress.completed = await api
      .POST("/api/v1/sessions/{id}/complete", { params: { path: { id: sessionId } } })
      .catch(async (error: unknown) => {
        // A completion whose answer was lost on the way: the session has moved on, so its own
        // analysis is read instead of completing twice.
        if (!(error instanceof ApiError) || error.status !== 409) throw error;
        const detail = await api.GET("/api/v1/sessions/{id}", {
          params: { path: { id: sessionId } },
        });
        if (!("session" in detail)) throw error;
        return {
          session_id: sessionId,
          status: detail.session.status,
          pose_data: detail.pose_data,
        };
      });
  }
  if (!progress.prediction) {
    onStep("predict");
    progress.prediction = await api.POST("/api/v1/predict", {
      body: {
        session_id: sessionId,
        ...("assignmentId" in target && { exercise_id: target.assignmentId }),
      },
    });
  }
  return progress;
}
