/**
 * The live exercise room's server → client messages (`/parties/live-session/{session_id}`), as
 * plain types with no imports: the room sends them, and the clinic console (console/src/live.ts)
 * reads them from here rather than keeping its own copy. The client → room messages are the zod
 * schemas in live-session.schemas.ts.
 */

/** Who is on the socket: the patient's device streams frames; care-team clinicians watch. */
export const LIVE_MODES = ["device", "watcher"] as const;
export type LiveMode = (typeof LIVE_MODES)[number];

export type LiveCue = {
  code: string;
  message: string;
  severity?: string;
  /** `incomplete_rep` only: when the movement turned back, the angle reached, the counting angle. */
  timestamp?: number;
  value?: number;
  target?: number;
};

/** A landmark as watchers receive it (normalised x, y; relative z; visibility 0–1). */
export type LivePoint = { x: number; y: number; z: number; visibility: number };

export type LiveFeedback = {
  type: "feedback";
  timestamp: number;
  rep_count: number;
  partial_rep: boolean;
  phase: string;
  primary_angle: number | null;
  cues: LiveCue[];
  hold_seconds?: number;
  ignored?: number;
};

/** Server → client messages (documented in the route's OpenAPI description and the README). */
export type LiveOut =
  | {
      type: "ready";
      mode: LiveMode;
      session_id: string;
      exercise: {
        slug: string;
        primary_joint: string;
        target_range: { min: number; max: number } | null;
      };
      rep_count: number;
      stored_through: number | null;
    }
  | LiveFeedback
  | {
      type: "frames";
      frames: { timestamp: number; landmarks: LivePoint[] }[];
      frame_size?: { width: number; height: number };
    }
  | { type: "stored"; through: number; frames: number }
  | { type: "cue"; from: { user_id: string; role: string }; message: string; timestamp: number }
  | { type: "pong"; id: string | null }
  | {
      type: "error";
      code: string;
      message: string;
      details?: { field: string; message: string }[];
    };
