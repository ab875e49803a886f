/**
 * The handoff: how the Worker tells a room who connected (and, for some rooms, what the room is
 * about) when it forwards a socket upgrade. The Worker's socket entry (socket.ts) is the one
 * writer (`handoffRequest`); each room reads it in `onConnect` with `readHandoff`, its one reader.
 *
 * Invariants: a client never chooses a handoff header. Before ours are set, every header a client
 * could use to speak for the Worker or for partyserver is removed (`isStripped`: the `x-rehab-*`
 * and `x-partykit-*` families, whatever their names) together with the token (`Authorization`, the
 * `bearer.<token>` subprotocol, `?token=`), so the token never reaches a Durable Object, whose
 * connection keeps the URL and headers. A room that cannot read a valid handoff closes with 1008.
 */
import { z } from "zod";
import type { AnalysisConfig } from "../modules/exercise-types/exercise-types.analysis";
import { CallSetup } from "./call-room.schemas";
import { LiveCaller, StreamCaller } from "./identity";

/** The handoff headers (named only here; tests import them to forge one). */
export const HANDOFF_HEADERS = { caller: "x-rehab-caller", setup: "x-rehab-setup" } as const;

/** Header families no client may send on: ours, and partyserver's routing and props. */
const STRIPPED_PREFIXES = ["x-rehab-", "x-partykit-"] as const;
/** Headers that carry the token. */
const STRIPPED_NAMES = ["authorization", "sec-websocket-protocol"] as const;

/** True for a header removed from a client's request before it is forwarded to a room. */
export function isStripped(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    (STRIPPED_NAMES as readonly string[]).includes(lower) ||
    STRIPPED_PREFIXES.some((prefix) => lower.startsWith(prefix))
  );
}

/** What the live room analyses, decided by the Worker from the session's exercise type. */
export const LiveSetup = z.object({
  slug: z.string(),
  // Parsed with AnalysisConfig by the Worker just before; the room trusts its shape.
  config: z.custom<AnalysisConfig>((value) => Boolean(value)),
  frame_size: z.custom<{ width: number; height: number } | null>(),
});
export type LiveSetup = z.infer<typeof LiveSetup>;

/** Each room's handoff: the caller's shape and, where the room needs it, its setup. */
const HANDOFFS = {
  user: { caller: StreamCaller, setup: null },
  chat: { caller: StreamCaller, setup: null },
  pose: { caller: StreamCaller, setup: null },
  call: { caller: StreamCaller, setup: CallSetup },
  live: { caller: LiveCaller, setup: LiveSetup },
} as const;

export type HandoffRoom = keyof typeof HANDOFFS;
type Contract = (typeof HANDOFFS)[HandoffRoom];
type SetupOf<C extends Contract> = C["setup"] extends z.ZodType ? z.infer<C["setup"]> : undefined;
export type Handoff<R extends HandoffRoom> = {
  caller: z.infer<(typeof HANDOFFS)[R]["caller"]>;
  setup: SetupOf<(typeof HANDOFFS)[R]>;
};

/**
 * The request a room receives (Worker side): the client's upgrade without the token or any
 * stripped header, with the handoff set. Only the Worker's socket entry calls it.
 */
export function handoffRequest<R extends HandoffRoom>(
  request: Request,
  room: R,
  handoff: Handoff<R>,
): Request {
  const url = new URL(request.url);
  // The token must not travel on: partyserver keeps the connection URL with the socket.
  url.searchParams.delete("token");
  const headers = new Headers();
  for (const [name, value] of request.headers) if (!isStripped(name)) headers.append(name, value);
  // Typed, not parsed: the room checks it (a malformed handoff closes the socket with 1008).
  headers.set(HANDOFF_HEADERS.caller, JSON.stringify(handoff.caller));
  if (HANDOFFS[room].setup) headers.set(HANDOFF_HEADERS.setup, JSON.stringify(handoff.setup));
  return new Request(url.toString(), { method: "GET", headers });
}

/** The handoff a room was given (room side), or null when it is missing or malformed. */
export function readHandoff<R extends HandoffRoom>(request: Request, room: R): Handoff<R> | null {
  const contract = HANDOFFS[room];
  const caller = parseHeader(contract.caller, request.headers.get(HANDOFF_HEADERS.caller));
  if (!caller) return null;
  if (!contract.setup) return { caller, setup: undefined } as Handoff<R>;
  const setup = parseHeader(contract.setup, request.headers.get(HANDOFF_HEADERS.setup));
  return setup ? ({ caller, setup } as Handoff<R>) : null;
}

function parseHeader(schema: z.ZodType, raw: string | null): unknown {
  if (!raw) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? (parsed.data ?? null) : null;
  } catch {
    return null;
  }
}
