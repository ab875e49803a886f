/**
 * What a call's participants hear about it: events on their user streams (seed 002 §3,
 * `call:initiated`, `call:answered`, `call:ended`; kept for replay) and `call:state` on the call
 * room's sockets. Sent after D1 holds the change; a failed delivery never undoes it (D1 is the
 * record; clients resync with `GET /calls/{id}`).
 */
import { getServerByName } from "partyserver";
import type { Bindings } from "../../env";
import { publishToUser } from "../realtime/realtime.service";
import type { CallLine, CallRow } from "./calls.access";
import { roomPath, type Person } from "./calls.data";
import { formatDuration, isTerminal } from "./calls.state";

type Env = Pick<Bindings, "UserStream" | "CallRoom">;

export const callRoom = (env: Pick<Bindings, "CallRoom">, callId: string) =>
  getServerByName(env.CallRoom, callId);

/** Rings the recipients: `call:initiated` on each recipient's stream. */
export async function announceRinging(
  env: Env,
  call: CallRow,
  from: Person,
  to: Person[],
): Promise<void> {
  const data = {
    call_id: call.id,
    from: { id: from.id, name: from.name },
    to: to.map((p) => ({ id: p.id, name: p.name })),
    call_type: call.type,
    room_id: call.id,
    room_url: roomPath(call.id),
    ring_expires_at: call.ringExpiresAt,
  };
  await Promise.allSettled(
    to.map((p) => publishToUser(env, p.id, { event: "call:initiated", data })),
  );
}

/**
 * Tells everyone on the call what a move did: `call:answered` when a line joined,
 * `call:ended` (with `status`: ended, missed or declined) when the call is over; and the room's
 * sockets get `call:state` (closing them when the call is over).
 */
export async function announceMove(
  env: Env,
  before: CallRow,
  call: CallRow,
  lines: CallLine[],
  joinedBy: string | null,
): Promise<void> {
  const everyone = lines.map((l) => l.userId);
  const sends: Promise<unknown>[] = [];
  if (joinedBy) {
    const data = {
      call_id: call.id,
      answered_at: call.answeredAt,
      room_id: call.id,
      user_id: joinedBy,
    };
    for (const id of everyone) sends.push(publishToUser(env, id, { event: "call:answered", data }));
  }
  if (isTerminal(call.status) && !isTerminal(before.status)) {
    const data = {
      call_id: call.id,
      status: call.status,
      ended_at: call.endedAt,
      duration_seconds: call.durationSeconds,
      duration: formatDuration(call.durationSeconds),
      recording_id: call.recordingMediaId,
    };
    for (const id of everyone) sends.push(publishToUser(env, id, { event: "call:ended", data }));
  }
  sends.push(
    callRoom(env, call.id).then((room) =>
      room.changed({
        status: call.status,
        version: call.version,
        lines: lines.map((l) => ({ user_id: l.userId, state: l.state })),
      }),
    ),
  );
  const results = await Promise.allSettled(sends);
  if (results.some((r) => r.status === "rejected")) {
    console.error("call event delivery failed", call.id);
  }
}
