/**
 * The live room's buffer as the sessions module sees it: frames a live room acknowledged are in
 * the room's own storage until its alarm ships them to R2 and D1 (party/live-store.ts), so the
 * readers of a session that still takes frames ask the room too.
 *
 * Invariant: a session's frames are its D1 chunks followed by the room's buffer; the two overlap
 * only by a chunk shipped but not yet deleted from the room, which readers skip by timestamp.
 */
import { getServerByName } from "partyserver";
import type { Bindings } from "../../env";
import { ExternalServiceError } from "../../lib/errors";
import { decodeChunk, type PackedFrame } from "../sessions/pose.binary";

const room = (env: Pick<Bindings, "LiveSession">, sessionId: string) =>
  getServerByName(env.LiveSession, sessionId);

/**
 * Ships whatever the session's live room holds to R2 and D1 now (completion waits for it).
 * Returns the frames the session gained; a room that could not ship is a 502 (retry later).
 */
export async function shipLiveFrames(
  env: Pick<Bindings, "LiveSession">,
  sessionId: string,
): Promise<number> {
  try {
    return await (await room(env, sessionId)).flush();
  } catch {
    throw new ExternalServiceError("Frame storage");
  }
}

/** The frames the session's live room holds and has not shipped, oldest first. */
export async function liveBufferedFrames(
  env: Pick<Bindings, "LiveSession">,
  sessionId: string,
): Promise<PackedFrame[]> {
  const bodies = await (await room(env, sessionId)).bufferedFrames();
  return bodies.flatMap((body) => decodeChunk(body));
}
