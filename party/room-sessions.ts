/**
 * A socket lives no longer than the login session it was opened with, in every room (`/ws`, chat
 * rooms, live rooms, call rooms).
 *
 * Two ways it ends: at once, when the API ends a session (logout, refresh-token reuse, an admin
 * changing or deleting the account) and tells the user's UserStream, which closes its own sockets
 * and calls `endSession` on every room that session joined (rooms register through `trackRoom`
 * when a socket connects); and, for any other path (expiry, a revocation written elsewhere), each
 * room re-checks its sockets' sessions in D1 every minute while sockets are open.
 */
import { getServerByName } from "partyserver";
import type { Bindings } from "../src/env";
import { recordAudit, type AuditAction } from "../src/lib/audit";
import type { Role } from "../src/db/schema/users";
import { idleWindowMs, sessionLimits } from "../src/lib/session-limits";
import { roomContext } from "../src/middleware/request-context";
import type { StreamCaller } from "../src/realtime/identity";
import type { TrackedRoom } from "../src/realtime/rooms";

/** Close code for a socket whose session ended (application range 4000–4999). */
export const SESSION_ENDED_CODE = 4001;
/** How often open sockets have their sessions re-checked. */
export const SESSION_CHECK_MS = 60_000;

/**
 * The subset of `sessionIds` that are still live: not revoked, within their absolute lifetime
 * (`expires_at`) and not idle (`idle_expires_at`, moved by the session's API requests; see
 * src/lib/session-limits.ts). An open socket alone is not activity: an app left open on a
 * desk must still log off.
 */
export async function liveSessionIds(db: D1Database, sessionIds: string[]): Promise<Set<string>> {
  const unique = [...new Set(sessionIds.filter(Boolean))];
  const live = new Set<string>();
  const now = new Date().toISOString();
  // D1 binds at most 100 values per statement: check the sessions 50 at a time.
  for (let i = 0; i < unique.length; i += 50) {
    const chunk = unique.slice(i, i + 50);
    const rows = await db
      .prepare(
        `select id from auth_sessions where id in (${chunk.map(() => "?").join(",")})
         and revoked_at is null and expires_at > ? and idle_expires_at > ?`,
      )
      .bind(...chunk, now, now)
      .all<{ id: string }>();
    for (const row of rows.results) live.add(row.id);
  }
  return live;
}

type Closable = { state: { sessionId?: string } | null; close(code: number, reason: string): void };

/**
 * Closes the connections whose session is not live; returns how many stay open.
 * Connections without state (refused during connect) are left alone.
 */
export async function closeEndedSessions(db: D1Database, connections: Closable[]) {
  const withState = connections.filter((c) => c.state?.sessionId);
  const live = await liveSessionIds(
    db,
    withState.map((c) => c.state!.sessionId!),
  );
  let open = 0;
  for (const connection of withState) {
    if (live.has(connection.state!.sessionId!)) open++;
    else connection.close(SESSION_ENDED_CODE, "session ended");
  }
  return open;
}

/** Closes the connections opened under `sessionId`; returns how many. */
export function closeSession(connections: Iterable<Closable>, sessionId: string): number {
  let closed = 0;
  for (const connection of connections) {
    if (connection.state?.sessionId !== sessionId) continue;
    connection.close(SESSION_ENDED_CODE, "session ended");
    closed++;
  }
  return closed;
}

/** Tells the user's stream that `sessionId` has a socket in this room (for `endSession`). */
export async function trackRoom(
  env: Pick<Bindings, "UserStream">,
  userId: string,
  sessionId: string,
  room: TrackedRoom,
) {
  const stream = await getServerByName(env.UserStream, userId);
  await stream.trackRoom(sessionId, room);
}

/** Arms the storage alarm for the next session check unless one is set. */
export async function scheduleSessionCheck(storage: DurableObjectStorage) {
  if ((await storage.getAlarm()) === null) await storage.setAlarm(Date.now() + SESSION_CHECK_MS);
}

/** Close code for a socket whose access ended (relation ended: care team, grant, role, call line). */
export const ACCESS_ENDED_CODE = 4003;

type Revocable = Closable & { state: StreamCaller | null };

/** What a room asks of `revokeSockets`: who may stay, and how to close and audit the others. */
export type Revocation = {
  /** Of these user ids, those who may still be here (asked of the room's one access rule). */
  allowed: (userIds: string[]) => Promise<Set<string>>;
  /** The close reason (the code is 4003). */
  reason: string;
  /** The audit entry of each user refused (outcome `denied`, reason `access_ended`). */
  audit: { action: AuditAction; resourceType: string; resourceId: string };
  waitUntil: (p: Promise<unknown>) => void;
};

/**
 * Re-derives access for the connections of `userId` (or all, `null`), closes with 4003 those whose
 * user `allowed` no longer lists, and audits each such user once, so the refusal is on the record
 * like an HTTP one. Asked by the user's stream when a relation ends (at once) and by each room's
 * alarm (backstop for changes written by any other path). Returns how many closed.
 */
export async function revokeSockets(
  env: Bindings,
  connections: Iterable<Revocable>,
  userId: string | null,
  revocation: Revocation,
): Promise<number> {
  const mine = [...connections].filter((c) => c.state && (!userId || c.state.userId === userId));
  if (mine.length === 0) return 0;
  const keep = await revocation.allowed([...new Set(mine.map((c) => c.state!.userId))]);
  const closed = mine.filter((c) => !keep.has(c.state!.userId));
  for (const connection of closed) connection.close(ACCESS_ENDED_CODE, revocation.reason);
  const callers = new Map(closed.map((c) => [c.state!.userId, c.state!]));
  await Promise.allSettled(
    [...callers.values()].map((caller) =>
      recordAudit(
        roomContext(env, { ...caller, role: caller.role as Role }, {}, revocation.waitUntil),
        {
          ...revocation.audit,
          outcome: "denied",
          metadata: { reason: "access_ended", via: "socket" },
        },
      ),
    ),
  );
  return closed.length;
}

/**
 * Counts an open call or live exercise socket as activity: the sessions behind `callers` have
 * their idle deadline moved as a request would (never reviving one that ended). Without this a
 * 45-minute call with no HTTP request would be logged off mid-call. Called by those rooms' minute
 * check; `/ws` and chat sockets do not count (a screen left open is not a person at work).
 */
export async function keepSessionsAlive(env: Bindings, callers: StreamCaller[]): Promise<void> {
  const limits = sessionLimits(env);
  const bySession = new Map(callers.map((c) => [c.sessionId, c]));
  const now = Date.now();
  const nowIso = new Date(now).toISOString();
  const statements = [...bySession.values()].map((caller) =>
    env.DB.prepare(
      `update auth_sessions set last_seen_at = ?, idle_expires_at = ?
       where id = ? and revoked_at is null and expires_at > ? and idle_expires_at > ?`,
    ).bind(
      nowIso,
      new Date(now + idleWindowMs(limits, caller.role as Role)).toISOString(),
      caller.sessionId,
      nowIso,
      nowIso,
    ),
  );
  if (statements.length) await env.DB.batch(statements);
}
