/**
 * The recorded clip the demo clinic's sessions are made of: MoveNet's 17 keypoints per frame of
 * a real 4 s, 30 fps recording (demo-clip.json, from test/sessions/fixtures/pose_1.movenet.json,
 * rounded to 0.01 px) and the video itself (demo-video.json, test/pose/fixtures/pose_1.mp4).
 * The keypoints are mapped onto BlazePose's 33 landmarks as test/sessions/recorded.test.ts maps
 * them: the points MoveNet lacks are sent unseen (visibility 0), never guessed.
 */
import { BLAZEPOSE_LANDMARKS, type Landmark } from "../../analysis/landmarks";
import { fromBase64Url } from "../../lib/encoding";
import clip from "./demo-clip.json";
import video from "./demo-video.json";

const INDEX = new Map<string, number>(
  BLAZEPOSE_LANDMARKS.map((name, i) => [name.toLowerCase(), i]),
);

export const CLIP_FRAME_SIZE = { width: clip.width, height: clip.height };

/** The clip's frames, its first frame at `t0` (ms since the epoch), at the recording's rate. */
export function clipFrames(t0: number) {
  return clip.frames.map((flat, i) => {
    const landmarks: Landmark[] = BLAZEPOSE_LANDMARKS.map(() => ({
      x: 0.5,
      y: 0.5,
      z: 0,
      visibility: 0,
    }));
    clip.keypoints.forEach((name, k) => {
      landmarks[INDEX.get(name)!] = {
        x: flat[2 * k]! / clip.width,
        y: flat[2 * k + 1]! / clip.height,
        z: 0,
        visibility: 0.9,
      };
    });
    return { timestamp: t0 + Math.round((i * 1000) / clip.fps), landmarks };
  });
}

/** The clip's length in milliseconds (first to last frame). */
export const CLIP_MS = Math.round(((clip.frames.length - 1) * 1000) / clip.fps);

/** The recording as stored bytes (MP4). */
export const clipVideo = () => ({
  contentType: video.content_type as "video/mp4",
  bytes: fromBase64Url(video.base64url),
});
