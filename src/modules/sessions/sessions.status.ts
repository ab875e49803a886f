/**
 * The session status machine: pending → recording → processing → review_pending → reviewed →
 * completed, one step at a time. Who moves it:
 * - the first pose chunk (or the client, by PUT) moves pending → recording;
 * - `POST /sessions/{id}/complete` moves pending|recording → processing → review_pending;
 * - `POST /physio/reviews` moves review_pending → reviewed;
 * - a clinician closes it by PUT reviewed → completed.
 * Any other move is a 409 naming both states.
 */
import { SESSION_STATUSES, type SessionStatus } from "../../db/schema/sessions";
import { ConflictError } from "../../lib/errors";

const NEXT: Record<SessionStatus, SessionStatus | null> = {
  pending: "recording",
  recording: "processing",
  processing: "review_pending",
  review_pending: "reviewed",
  reviewed: "completed",
  completed: null,
};

/** Moves a client may ask for with PUT; the others belong to their endpoints. */
export const CLIENT_MOVES: Partial<Record<SessionStatus, SessionStatus>> = {
  pending: "recording",
  reviewed: "completed",
};

export const canMove = (from: SessionStatus, to: SessionStatus) => NEXT[from] === to;

/** Throws 409 unless `to` is the next state after `from`. */
export function assertMove(from: SessionStatus, to: SessionStatus, allowed = canMove(from, to)) {
  if (!allowed) {
    throw new ConflictError(`A session cannot move from '${from}' to '${to}'`, [
      { field: "status", message: `Illegal transition ${from} → ${to}` },
    ]);
  }
}

/** Whether pose frames may still arrive. */
export const acceptsFrames = (status: SessionStatus) =>
  status === "pending" || status === "recording";

export const statusIndex = (status: SessionStatus) => SESSION_STATUSES.indexOf(status);
