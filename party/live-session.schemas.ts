/**
 * Messages of the live exercise room (`/parties/live-session/{session_id}`), both directions,
 * checked at runtime.
 *
 * Invariants: who connected, in which role, and the exercise being analysed come only from the
 * Worker (`LiveCaller`, in a header clients cannot reach); every client message is parsed with
 * `LiveIn`, and anything else answers an `error` message without closing the socket. Frames are
 * validated exactly as `POST /sessions/{id}/data` validates them (the same zod schema), because
 * the room stores them through the same service verb.
 */
import { z } from "zod";
import { ROLES } from "../src/db/schema/users";
import { PoseFrameInput } from "../src/modules/sessions/pose.schemas";
import { FrameSize } from "../src/modules/sessions/sessions.schemas";

/** The largest client message the room reads: 60 frames with world landmarks fit. */
export const MAX_LIVE_MESSAGE_BYTES = 512 * 1024;
/** Frames in one message (a phone batching 2 s at 30 fps). */
export const MAX_FRAMES_PER_MESSAGE = 60;

/** Who is on the socket: the patient's device streams frames; care-team clinicians watch. */
export const LIVE_MODES = ["device", "watcher"] as const;

export const LiveCaller = z.object({
  userId: z.string(),
  workspaceId: z.string(),
  role: z.enum(ROLES),
  sessionId: z.string(),
  mode: z.enum(LIVE_MODES),
  /** The exercise session this room is (the room's name, repeated so the room can check it). */
  exerciseSessionId: z.string(),
  patientId: z.string(),
});
export type LiveCaller = z.infer<typeof LiveCaller>;

export const LiveIn = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("frames"),
    frames: z.array(PoseFrameInput).min(1).max(MAX_FRAMES_PER_MESSAGE),
    frame_size: FrameSize.optional(),
  }),
  z.object({ type: z.literal("cue"), message: z.string().trim().min(1).max(200) }),
  z.object({ type: z.literal("ping"), id: z.string().max(64).optional() }),
]);
export type LiveIn = z.infer<typeof LiveIn>;

export type LiveCue = { code: string; message: string; severity?: string };

/** Server → client messages (documented in the route's OpenAPI description and the README). */
export type LiveOut =
  | {
      type: "ready";
      mode: (typeof LIVE_MODES)[number];
      session_id: string;
      exercise: {
        slug: string;
        primary_joint: string;
        target_range: { min: number; max: number } | null;
      };
      rep_count: number;
      stored_through: number | null;
    }
  | {
      type: "feedback";
      timestamp: number;
      rep_count: number;
      partial_rep: boolean;
      phase: string;
      primary_angle: number | null;
      cues: LiveCue[];
      hold_seconds?: number;
      ignored?: number;
    }
  | { type: "frames"; frames: { timestamp: number; landmarks: unknown[] }[]; frame_size?: unknown }
  | { type: "stored"; through: number; frames: number }
  | { type: "cue"; from: { user_id: string; role: string }; message: string; timestamp: number }
  | { type: "pong"; id: string | null }
  | {
      type: "error";
      code: string;
      message: string;
      details?: { field: string; message: string }[];
    };
