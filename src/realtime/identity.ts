/**
 * Who is on a room's socket, as the Worker tells the room after verifying the token and the
 * session (handoff.ts carries it). Rooms never learn identity any other way.
 */
import { z } from "zod";
import { ROLES } from "../db/schema/users";
import { LIVE_MODES } from "./live-session.messages";

/** The caller of every room: the user, their workspace and role, and the session that signed in. */
export const StreamCaller = z.object({
  userId: z.string().min(1),
  workspaceId: z.string().min(1),
  role: z.string().min(1),
  sessionId: z.string().min(1),
});
export type StreamCaller = z.infer<typeof StreamCaller>;

/** The live room's caller: as above, plus the side they are on and the session analysed. */
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

/** What a room's audit entries need of the HTTP request that reached it (chat room RPCs). */
export type RequestMeta = { requestId: string; ip: string | null; userAgent: string | null };
