/**
 * Rows to responses, and a state move to its D1 writes.
 *
 * Invariant: a move is written as one batch guarded by the call's `version`: the calls update
 * matches only the version that was read, and the `call_events` insert takes `version + 1`,
 * unique per call, so a concurrent move from the same version fails the whole batch (409).
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { callEvents, callParticipants, calls, type CallStatus } from "../../db/schema/calls";
import { users } from "../../db/schema/users";
import type { BatchItem } from "drizzle-orm/batch";
import { uuidv7 } from "../../lib/ids";
import type { PhiCipher } from "../../lib/crypto/phi";
import type { RequestContext } from "../../middleware/request-context";
import { userFieldRef } from "../users/users.data";
import type { CallLine, CallRow } from "./calls.access";
import { iceServers } from "./calls.ice";
import type { CallView, IceServer } from "./calls.schemas";
import { formatDuration, isTerminal, type CallAction, type Move } from "./calls.state";

export const roomPath = (callId: string) => `/parties/call/${callId}`;

export type Person = { id: string; name: string; role: string };

/** Display names (decrypted) and roles of these users in the workspace. */
export async function peopleOf(
  ctx: RequestContext,
  workspaceId: string,
  ids: string[],
): Promise<Map<string, Person>> {
  if (ids.length === 0) return new Map();
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: users.id, role: users.role, nameEnc: users.nameEnc })
      .from(users)
      .where(and(inArray(users.id, ids), eq(users.workspaceId, workspaceId))),
  ]);
  return decryptPeople(ctx.phi, rows);
}

export async function decryptPeople(
  phi: PhiCipher,
  rows: { id: string; role: string; nameEnc: string }[],
): Promise<Map<string, Person>> {
  const people = await Promise.all(
    rows.map(async (r) => ({
      id: r.id,
      role: r.role,
      name: await phi.decrypt(r.nameEnc, userFieldRef(r.id, "name")),
    })),
  );
  return new Map(people.map((p) => [p.id, p]));
}

export function presentCall(
  call: CallRow,
  lines: CallLine[],
  people: Map<string, Person>,
  ice: IceServer[],
  recording: CallView["recording"] = null,
  transcription: string | null = null,
): CallView {
  return {
    id: call.id,
    call_id: call.id,
    room_id: call.id,
    room_url: roomPath(call.id),
    call_type: call.type,
    status: call.status,
    mode: call.mode,
    created_by: call.createdBy,
    patient_id: call.patientId,
    created_at: call.createdAt,
    ring_expires_at: call.ringExpiresAt,
    answered_at: call.answeredAt,
    ended_at: call.endedAt,
    duration_seconds: call.durationSeconds,
    duration: formatDuration(call.durationSeconds),
    participants: lines.map((l) => ({
      id: l.userId,
      name: people.get(l.userId)?.name ?? "",
      role: people.get(l.userId)?.role ?? "",
      call_role: l.role,
      state: l.state,
      answered_at: l.answeredAt,
    })),
    recording,
    transcript_id: call.transcriptId,
    transcription,
    transcribed_at: call.transcribedAt,
    ice_servers: ice,
  };
}

export const iceOf = (ctx: RequestContext) => iceServers(ctx.env);

/**
 * Applies a move to the rows in memory and returns the guarded writes (calls update, line
 * updates, the `call_events` row) to put in one batch with the audit entry.
 */
export function moveWrites(
  ctx: RequestContext,
  call: CallRow,
  lines: CallLine[],
  move: Move,
  action: CallAction,
  actorId: string | null,
  now: string,
): { writes: BatchItem<"sqlite">[]; call: CallRow; lines: CallLine[] } {
  const status: CallStatus = move.status;
  const answeredAt = call.answeredAt ?? (status === "active" ? now : null);
  const ending = isTerminal(status) && !isTerminal(call.status);
  const duration =
    ending && answeredAt
      ? Math.max(0, Math.round((Date.parse(now) - Date.parse(answeredAt)) / 1000))
      : call.durationSeconds;
  const next: CallRow = {
    ...call,
    status,
    version: call.version + 1,
    answeredAt,
    endedAt: ending ? now : call.endedAt,
    endedBy: ending ? actorId : call.endedBy,
    durationSeconds: duration,
    recordingStoppedAt:
      ending && call.recordingStartedAt && !call.recordingStoppedAt ? now : call.recordingStoppedAt,
    updatedAt: now,
  };
  const db = ctx.db.orm;
  const writes: BatchItem<"sqlite">[] = [
    db
      .update(calls)
      .set({
        status: next.status,
        version: next.version,
        answeredAt: next.answeredAt,
        endedAt: next.endedAt,
        endedBy: next.endedBy,
        durationSeconds: next.durationSeconds,
        recordingStoppedAt: next.recordingStoppedAt,
        updatedAt: now,
      })
      .where(and(eq(calls.id, call.id), eq(calls.version, call.version))),
    db.insert(callEvents).values({
      id: uuidv7(),
      workspaceId: call.workspaceId,
      callId: call.id,
      version: next.version,
      action,
      fromStatus: call.status,
      toStatus: status,
      actorId,
      createdAt: now,
    }),
  ];
  const nextLines = lines.map((line) => {
    const state = move.lines.get(line.userId);
    if (!state) return line;
    const changed: CallLine = {
      ...line,
      state,
      answeredAt: state === "joined" ? now : line.answeredAt,
      leftAt: state === "left" ? now : line.leftAt,
    };
    writes.push(
      db
        .update(callParticipants)
        .set({ state, answeredAt: changed.answeredAt, leftAt: changed.leftAt })
        .where(
          and(
            eq(callParticipants.callId, call.id),
            eq(callParticipants.userId, line.userId),
            // Only while the call row carries this move's version (the guard above matched).
            sql`exists (select 1 from ${calls} where ${calls.id} = ${call.id} and ${calls.version} = ${next.version})`,
          ),
        ),
    );
    return changed;
  });
  return { writes, call: next, lines: nextLines };
}
