/**
 * Messages of the call room socket (`/parties/call/{call_id}`), checked at runtime. Every client
 * message is parsed with `CallRoomIn`; anything else answers an `error` event, the socket stays.
 */
import { z } from "zod";
import { SessionDescription, TrackRequest } from "../modules/calls/sfu";

/** The largest client message the room reads (an SDP with many candidates stays well below). */
export const MAX_CALL_MESSAGE_BYTES = 64 * 1024;

const Sdp = z
  .string()
  .min(1)
  .max(60 * 1024);
const To = z.uuid();

export const IceCandidate = z
  .object({
    candidate: z.string().max(2048),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  })
  .nullable();

export const CallRoomIn = z.discriminatedUnion("event", [
  z.object({
    event: z.literal("ping"),
    data: z.object({ id: z.string().max(64).optional() }).optional(),
  }),
  z.object({ event: z.literal("offer"), data: z.object({ to: To, sdp: Sdp }) }),
  z.object({ event: z.literal("answer"), data: z.object({ to: To, sdp: Sdp }) }),
  // A null candidate is the end of candidates, as RTCPeerConnection reports it.
  z.object({ event: z.literal("ice"), data: z.object({ to: To, candidate: IceCandidate }) }),
  z.object({ event: z.literal("sfu:session"), data: z.object({ offer: SessionDescription }) }),
  z.object({
    event: z.literal("sfu:tracks"),
    data: z.object({
      session_id: z.string().min(1).max(128),
      tracks: z.array(TrackRequest).min(1).max(64),
      offer: SessionDescription.optional(),
    }),
  }),
  z.object({
    event: z.literal("sfu:renegotiate"),
    data: z.object({ session_id: z.string().min(1).max(128), answer: SessionDescription }),
  }),
]);
export type CallRoomIn = z.infer<typeof CallRoomIn>;

/** What the Worker tells the room about the call, with each connection (checked before). */
export const CallSetup = z.object({
  call_id: z.string().min(1),
  workspace_id: z.string().min(1),
  status: z.string().min(1),
  mode: z.enum(["p2p", "sfu"]),
  participants: z.array(z.string().min(1)).min(2),
  ice_servers: z.array(
    z.object({
      urls: z.array(z.string()),
      username: z.string().optional(),
      credential: z.string().optional(),
    }),
  ),
});
export type CallSetup = z.infer<typeof CallSetup>;

/** A state change the Worker reports to the room (after D1 holds it). */
export type CallChange = {
  status: string;
  version: number;
  lines: { user_id: string; state: string }[];
};

/** The ring timer as the room keeps it. */
export type RingTimer = { callId: string; workspaceId: string; deadline: number; done?: boolean };
