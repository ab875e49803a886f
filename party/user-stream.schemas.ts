/** Messages of the user stream socket (`/ws`), both directions, checked at runtime. */
import { z } from "zod";

export const UserStreamIn = z.discriminatedUnion("event", [
  z.object({
    event: z.literal("ping"),
    data: z.object({ id: z.string().max(64).optional() }).optional(),
  }),
]);
export type UserStreamIn = z.infer<typeof UserStreamIn>;

/** Server-to-client events (seed 002 §3). */
export const USER_EVENTS = [
  "ready",
  "pong",
  "error",
  "message:received",
  "message:read",
  "user:typing",
  "call:initiated",
  "call:answered",
  "call:ended",
  "notification:new",
] as const;
export type UserEvent = { event: (typeof USER_EVENTS)[number]; data: unknown };
