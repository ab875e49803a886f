/**
 * Messages of the user stream socket (`/ws`), both directions, checked at runtime.
 *
 * Invariants: the identity a connection carries comes only from the Worker (`StreamCaller`,
 * identity.ts, in a header clients cannot reach); client messages are parsed with `UserStreamIn` and anything else
 * answers an `error` event without closing the socket; the API publishes only `PUBLISHED_EVENTS`.
 */
import { z } from "zod";

/** The largest client message the stream reads (larger ones answer a validation error). */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

export const UserStreamIn = z.discriminatedUnion("event", [
  z.object({
    event: z.literal("ping"),
    data: z.object({ id: z.string().max(64).optional() }).optional(),
  }),
  // Acknowledges delivery up to `seq` for the connection's device (`?device_id=`).
  z.object({
    event: z.literal("ack"),
    data: z.object({ seq: z.number().int().min(0) }),
  }),
]);
export type UserStreamIn = z.infer<typeof UserStreamIn>;

/** Events the API pushes to a user (seed 002 §3), through `publishToUser`. */
export const PUBLISHED_EVENTS = [
  "message:received",
  "message:updated",
  "message:deleted",
  "message:read",
  "user:typing",
  "call:initiated",
  "call:answered",
  "call:ended",
  "notification:new",
] as const;

/** Published events that are not stored nor replayed (they mean nothing a minute later). */
export const EPHEMERAL_EVENTS: readonly string[] = ["user:typing"];

/** Server-to-client events: the published ones plus the stream's own replies. */
export const USER_EVENTS = [
  "ready",
  "pong",
  "error",
  "acked",
  "replayed",
  "resync_required",
  ...PUBLISHED_EVENTS,
] as const;
export type UserEvent = { event: (typeof USER_EVENTS)[number]; data: unknown; seq?: number };

/** A device's id: chosen by the client, opaque, used only to keep its delivery cursor. */
export const DeviceId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, "1-64 letters, digits, . _ : -");

/** Where a connecting client resumes, from the connection URL (`?since=&device_id=`). */
export const ResumeQuery = z.object({
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  device_id: DeviceId.optional(),
});
export type ResumeQuery = z.infer<typeof ResumeQuery>;

export const PublishedEvent = z.object({
  event: z.enum(PUBLISHED_EVENTS),
  data: z.record(z.string(), z.unknown()),
});
export type PublishedEvent = z.infer<typeof PublishedEvent>;
