/**
 * Runs the in-browser pose model (pose.ts, the live exercise page's BlazePose) over a recorded
 * video, one decoded frame at a time. The video is paused and seeked; each frame's timestamp is
 * the time the browser says that frame is shown at (`requestVideoFrameCallback`'s `mediaTime`,
 * else `currentTime` after the seek), never a counter or the wall clock, so the server's tempo,
 * hold and repetition timing are the video's own.
 */
import type { PoseDetector } from "@tensorflow-models/pose-detection/dist/pose_detector";
import { estimate, type Pose } from "../../pose";

export type VideoFrame = Pose & { timestamp: number };

export type WalkProgress = {
  /** Seconds of the video walked so far, and its duration. */
  at: number;
  duration: number;
  /** Frames with a person found / frames looked at. */
  found: number;
  seen: number;
  pose: Pose | null;
};

type Shown = { time: number; fromCallback: boolean };

/**
 * Seeks and resolves with the time of the frame shown there (seconds): the frame callback's
 * `mediaTime`, or `currentTime` when no callback came (`fromCallback: false`).
 */
function seekFrame(video: HTMLVideoElement, t: number): Promise<Shown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let handle: number | null = null;
    const finish = (value: Shown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (handle !== null) video.cancelVideoFrameCallback(handle);
      video.removeEventListener("error", onError);
      resolve(value);
    };
    const onError = () => {
      settled = true;
      clearTimeout(timer);
      reject(new Error("The browser cannot decode this video"));
    };
    video.addEventListener("error", onError, { once: true });
    const frameCallbacks = typeof video.requestVideoFrameCallback === "function";
    if (frameCallbacks)
      handle = video.requestVideoFrameCallback((_now, meta) => {
        handle = null;
        finish({ time: meta.mediaTime, fromCallback: true });
      });
    video.addEventListener(
      "seeked",
      () => {
        const now = () => finish({ time: video.currentTime, fromCallback: false });
        if (!frameCallbacks) return now();
        // A seek that lands on the frame already shown presents nothing new: no callback comes.
        // The wait is generous because a busy machine composites late.
        timer = setTimeout(now, 1500);
      },
      { once: true },
    );
    video.currentTime = t;
  });
}

/**
 * Walks `video` from start to end at `perSecond` samples a second (each sample lands mid-frame of
 * a video of that rate, so no sample sits on a frame boundary), estimating a pose per new frame.
 * Frames without a person are skipped. Stops early (throwing an AbortError) when `signal` aborts.
 */
export async function walkVideo(
  video: HTMLVideoElement,
  detector: PoseDetector,
  options: {
    perSecond: number;
    signal: AbortSignal;
    onProgress: (p: WalkProgress) => void;
  },
): Promise<VideoFrame[]> {
  const { perSecond, signal, onProgress } = options;
  video.pause();
  // The landmark model smooths over time and tracks the last frame's person: start afresh.
  detector.reset();
  const duration = video.duration;
  if (!Number.isFinite(duration) || duration <= 0)
    throw new Error("The video's length is unknown, so it cannot be walked frame by frame");
  const step = 1 / perSecond;
  const frames: VideoFrame[] = [];
  let seen = 0;
  let last = -1;
  let callbacks = false;
  for (let k = 0; (k + 0.5) * step < duration; k++) {
    if (signal.aborted) throw new DOMException("Stopped", "AbortError");
    const { time: shown, fromCallback } = await seekFrame(video, (k + 0.5) * step);
    // Once frame callbacks have been seen to work, a seek without one showed no new frame.
    if (fromCallback) callbacks = true;
    else if (callbacks) continue;
    if (shown <= last) continue;
    last = shown;
    seen++;
    const timestamp = Math.round(shown * 1e6) / 1e3; // ms, to the microsecond
    const pose = await estimate(detector, video, timestamp);
    if (pose) frames.push({ timestamp, ...pose });
    onProgress({ at: shown, duration, found: frames.length, seen, pose });
  }
  return frames;
}
