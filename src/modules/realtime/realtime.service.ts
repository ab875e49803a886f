/**
 * The user event stream (`/ws`): opening it, and pushing events into it from any feature.
 *
 * Invariants: the token and the session are checked before the upgrade; the room is always the
 * caller's own (their user id); the Durable Object learns who connected only from the handoff
 * (src/realtime/handoff.ts), set after any client-supplied copy (and partyserver's own routing
 * headers) is removed by the socket entry (src/realtime/socket.ts). Published events are stored for replay (party/user-stream.log.ts).
 */
import { getServerByName } from "partyserver";
import type { Bindings } from "../../env";
import type { RequestContext } from "../../middleware/request-context";
import { identityOf, openRoomSocket } from "../../realtime/socket";
import { PublishedEvent } from "../../realtime/user-stream.schemas";

/**
 * Opens the caller's event stream: verifies the access token and that its session is live in D1,
 * requires a WebSocket upgrade, then hands the upgrade to the caller's own UserStream room.
 * Throws 401 (no, invalid, expired token, ended session) or 426 (not a WebSocket request).
 */
export function connectUserStream(
  ctx: RequestContext,
  request: Request,
  token: string | null,
): Promise<Response> {
  return openRoomSocket(ctx, request, token, {
    room: "user",
    subprotocol: "rehab",
    open: async (caller) => ({
      room: await getServerByName(ctx.env.UserStream, caller.userId),
      handoff: { caller: identityOf(caller), setup: undefined },
    }),
  });
}

/**
 * Pushes an event (`notification:new`, `message:received`…) to every open socket of a user.
 * Returns how many sockets received it. Offline users get it on reconnect (`?since=`) for 24 h at
 * least, except ephemeral events (typing); callers still keep their own record (the notification
 * row, the message) as the source of truth clients resync from.
 */
export async function publishToUser(
  env: Pick<Bindings, "UserStream">,
  userId: string,
  event: PublishedEvent,
): Promise<number> {
  const checked = PublishedEvent.parse(event);
  const room = await getServerByName(env.UserStream, userId);
  return room.publish(checked);
}

/** Several events to one user in this order, in one call (see UserStream.publishMany). */
export async function publishManyToUser(
  env: Pick<Bindings, "UserStream">,
  userId: string,
  events: PublishedEvent[],
): Promise<number> {
  const checked = events.map((event) => PublishedEvent.parse(event));
  const room = await getServerByName(env.UserStream, userId);
  return room.publishMany(checked);
}

/**
 * Closes the sockets a session opened; call it when the session ends (logout, refresh-token
 * reuse, user deleted) so an open stream stops with the session. Returns how many were closed.
 */
export async function endUserStreamSession(
  env: Pick<Bindings, "UserStream">,
  userId: string,
  sessionId: string,
): Promise<number> {
  const room = await getServerByName(env.UserStream, userId);
  return room.endSession(sessionId);
}

/**
 * Closes every socket of a user, in `/ws` and in the chat and live rooms (an admin ended all of
 * the user's sessions: role lowered, account deactivated or deleted).
 */
export async function endAllUserStreamSessions(
  env: Pick<Bindings, "UserStream">,
  userId: string,
): Promise<number> {
  const room = await getServerByName(env.UserStream, userId);
  return room.endSessions(null);
}

/**
 * A relation of these users ended (taken off a care team, family grant revoked, patient deleted):
 * every room where any of their sessions holds a socket re-derives their access now and closes
 * what it no longer allows (4003, audited by the room). HTTP paths need no call: they ask the
 * current relation on every request. Call it after the change is in D1. Returns sockets closed.
 */
export async function accessChanged(
  env: Pick<Bindings, "UserStream">,
  userIds: string[],
): Promise<number> {
  const closed = await Promise.allSettled(
    [...new Set(userIds)].map(async (id) =>
      (await getServerByName(env.UserStream, id)).revalidateRooms(),
    ),
  );
  return closed.reduce((n, r) => n + (r.status === "fulfilled" ? r.value : 0), 0);
}
