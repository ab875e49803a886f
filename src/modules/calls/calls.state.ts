/**
 * The call state machine, pure (no I/O), so every path that moves a call (HTTP routes, the call
 * room's ring-timeout alarm) applies exactly the same rules.
 *
 *   ringing ──answer──▶ active ──end──▶ ended
 *      │ └─decline (last ringing recipient)─▶ declined
 *      ├─timeout──▶ missed
 *      └─end (caller cancels)──▶ missed
 *
 * A recipient answers or declines only while their own line rings (a group call stays active when
 * one declines). `ended`, `missed` and `declined` are terminal: any further move is a 409.
 */
import type { CallStatus, ParticipantState } from "../../db/schema/calls";
import { ConflictError } from "../../lib/errors";

export type CallAction = "answer" | "decline" | "end" | "timeout";

export const TERMINAL: readonly CallStatus[] = ["ended", "missed", "declined"];
export const isTerminal = (status: CallStatus) => TERMINAL.includes(status);

export type Line = { userId: string; role: "caller" | "recipient"; state: ParticipantState };

export type Move = {
  status: CallStatus;
  /** New state of each line that changes (user id → state). */
  lines: Map<string, ParticipantState>;
};

function refuse(message: string): never {
  throw new ConflictError(message, [{ field: "status", message }]);
}

/**
 * The result of `action` by `actorId` (null: the system, for `timeout`) on a call in `status`
 * with these lines. Throws ConflictError (409) for a move the machine does not allow.
 */
export function nextMove(
  status: CallStatus,
  lines: Line[],
  action: CallAction,
  actorId: string | null,
): Move {
  if (isTerminal(status)) refuse(`The call is already ${status}`);
  const me = lines.find((l) => l.userId === actorId);
  const moved = new Map<string, ParticipantState>();
  const ringing = lines.filter((l) => l.role === "recipient" && l.state === "ringing");

  switch (action) {
    case "answer": {
      if (!me || me.role !== "recipient") refuse("Only a recipient answers a call");
      if (me.state !== "ringing") refuse(`Your line is ${me.state}, not ringing`);
      moved.set(me.userId, "joined");
      return { status: "active", lines: moved };
    }
    case "decline": {
      if (!me || me.role !== "recipient") refuse("Only a recipient declines a call");
      if (me.state !== "ringing") refuse(`Your line is ${me.state}, not ringing`);
      moved.set(me.userId, "declined");
      const stillRinging = ringing.some((l) => l.userId !== me.userId);
      // Nobody left to answer an unanswered call: it is declined for everyone.
      return { status: status === "ringing" && !stillRinging ? "declined" : status, lines: moved };
    }
    case "end": {
      if (!me) refuse("Only a participant ends a call");
      if (status === "ringing") {
        if (me.role !== "caller") refuse("Decline a ringing call instead of ending it");
        for (const line of ringing) moved.set(line.userId, "missed");
        moved.set(me.userId, "left");
        return { status: "missed", lines: moved };
      }
      if (me.state !== "joined") refuse(`Your line is ${me.state}; only a joined line ends a call`);
      for (const line of lines) {
        if (line.state === "joined") moved.set(line.userId, "left");
        else if (line.state === "ringing") moved.set(line.userId, "missed");
      }
      return { status: "ended", lines: moved };
    }
    case "timeout": {
      if (actorId !== null) refuse("Only the ring timer times a call out");
      for (const line of ringing) moved.set(line.userId, "missed");
      // An answered call goes on; the lines still ringing are missed.
      return { status: status === "ringing" ? "missed" : status, lines: moved };
    }
  }
}

/** "15m 30s" as the seed shows durations ("1h 2m 5s", "45s"). */
export function formatDuration(seconds: number | null): string | null {
  if (seconds === null) return null;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${h}h ${m}m ${s}s`;
  return m ? `${m}m ${s}s` : `${s}s`;
}
