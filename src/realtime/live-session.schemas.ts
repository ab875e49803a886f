/**
 * Client → room messages of the live exercise room (`/parties/live-session/{session_id}`),
 * checked at runtime; the room's answers are the types in live-session.messages.ts.
 *
 * Invariants: who connected, in which role, and the exercise being analysed come only from the
 * Worker (`LiveCaller`, identity.ts, in a header clients cannot reach); every client message is parsed with
 * `LiveIn`, and anything else answers an `error` message without closing the socket. Frames are
 * validated exactly as `POST /sessions/{id}/data` validates them (the same zod schema), because
 * the room stores them through the same service verb.
 */
import { z } from "zod";
import { PoseFrameInput } from "../modules/sessions/pose.schemas";
import { FrameSize } from "../modules/sessions/sessions.schemas";

/** The largest client message the room reads: 60 frames with world landmarks fit. */
export const MAX_LIVE_MESSAGE_BYTES = 512 * 1024;
/** Frames in one message (a phone batching 2 s at 30 fps). */
export const MAX_FRAMES_PER_MESSAGE = 60;

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
