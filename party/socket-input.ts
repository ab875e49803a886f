/**
 * Reading a client's socket message, the same way in every room that speaks JSON events (`/ws`,
 * chat, call): a size cap, JSON, then the room's zod union. A bad message is answered with an
 * `error` event naming the fields, and the socket stays open. (The live room has its own flat
 * check on its hot path, `live-frames.ts`.)
 */
import type { Connection, WSMessage } from "partyserver";
import type { z } from "zod";

export type FieldError = { field: string; message: string };

/** What a room says when a message is too large or not JSON (kept per room, as documented). */
export type InputLimits = { maxSize: number; tooLarge: string; notJson: string };

/** The parsed message, or the bad fields (`message` for size and JSON, else the zod paths). */
export function parseSocketInput<S extends z.ZodType>(
  schema: S,
  message: WSMessage,
  limits: InputLimits,
): { data: z.infer<S> } | { details: FieldError[] } {
  const size = typeof message === "string" ? message.length : message.byteLength;
  if (size > limits.maxSize) return { details: [{ field: "message", message: limits.tooLarge }] };
  let json: unknown;
  try {
    json = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
  } catch {
    return { details: [{ field: "message", message: limits.notJson }] };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { data: parsed.data };
  return {
    details: parsed.error.issues.map((i) => ({
      field: i.path.join(".") || "event",
      message: i.message,
    })),
  };
}

/** Answers a bad message with `error` (VALIDATION_ERROR); the socket stays open. */
export function refuseInput(connection: Connection, details: FieldError[]) {
  try {
    connection.send(
      JSON.stringify({
        event: "error",
        data: { code: "VALIDATION_ERROR", message: "Invalid message", details },
      }),
    );
  } catch {
    // Closing at this moment.
  }
}
