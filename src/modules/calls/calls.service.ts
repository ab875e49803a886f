/**
 * Calls (seed 002 §2.8): initiate, answer, decline, end, get one. The call log is in
 * calls.logs.ts, recording in calls.recording.ts, the signalling socket in calls.socket.ts.
 *
 * Invariants: every verb scopes by the caller's workspace and reaches a call only as one of its
 * participants (calls.access.ts); every state change goes through the state machine
 * (calls.state.ts) and is written with its audit entry in one version-guarded batch
 * (calls.data.ts), so a lost race is a 409 and never a double change. Initiating is made
 * retry-safe by the `Idempotency-Key` middleware (same key: the first answer again, one call).
 * The ring timer lives in the call's room (a Durable Object alarm) and expires the call through
 * `expireCall`, the same path as the HTTP verbs.
 */
import { callEvents, callParticipants, calls } from "../../db/schema/calls";
import type { Bindings } from "../../env";
import { auditEntry } from "../../lib/audit";
import { queueAudit } from "../../lib/audit-queue";
import { RequestDb, isUniqueViolation } from "../../lib/db";
import { ConflictError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { phiCipherFor, type RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import {
  accessCall,
  callReads,
  checkRecipients,
  RESOURCE,
  type CallLine,
  type CallRow,
} from "./calls.access";
import { decryptPeople, iceOf, moveWrites, peopleOf, presentCall } from "./calls.data";
import { announceMove, announceRinging, callRoom } from "./calls.events";
import { ringSeconds } from "./calls.ice";
import { recordingView } from "./calls.recording";
import { callTranscription } from "./calls.transcribe";
import type { CallView, InitiateCallInput } from "./calls.schemas";
import { nextMove, type CallAction } from "./calls.state";
import { notifyCallDeclined, notifyCallMissed } from "../notifications/notifications.content";
import { sfuConfig } from "./sfu";

export type { CallRow };

/**
 * Starts a call from the caller to the recipients: stores it ringing, arms the ring timer in the
 * call's room, then rings each recipient's stream (`call:initiated`). Throws 403 (family), 422
 * (a recipient the caller may not ring, named by index).
 */
export async function initiateCall(ctx: RequestContext, input: InitiateCallInput) {
  const caller = await requirePermission(ctx, "calls.use", {
    action: "call.created",
    resourceType: RESOURCE,
  });
  const ids = input.recipient_ids ?? [input.recipient_id!];
  const { recipients, patientId, callerNameEnc } = await checkRecipients(ctx, ids);
  const id = uuidv7();
  const now = new Date();
  const created = now.toISOString();
  const deadline = now.getTime() + ringSeconds(ctx.env) * 1000;
  const call: CallRow = {
    id,
    workspaceId: caller.workspaceId,
    createdBy: caller.userId,
    type: input.call_type,
    status: "ringing",
    mode: sfuConfig(ctx.env) ? "sfu" : "p2p",
    patientId,
    version: 0,
    ringExpiresAt: new Date(deadline).toISOString(),
    answeredAt: null,
    endedAt: null,
    endedBy: null,
    durationSeconds: null,
    recordingMediaId: null,
    recordingBy: null,
    recordingStartedAt: null,
    recordingStoppedAt: null,
    transcriptId: null,
    transcriptionEnc: null,
    transcribedAt: null,
    createdAt: created,
    updatedAt: created,
  };
  const lines: CallLine[] = [
    { userId: caller.userId, role: "caller", state: "joined", answeredAt: created, leftAt: null },
    ...recipients.map((r) => ({
      userId: r.id,
      role: "recipient" as const,
      state: "ringing" as const,
      answeredAt: null,
      leftAt: null,
    })),
  ];
  // The timer first: should the write then fail, the alarm finds no call and does nothing.
  await (
    await callRoom(ctx.env, id)
  ).ring({ callId: id, workspaceId: caller.workspaceId, deadline });
  const entry = await auditEntry(ctx, {
    action: "call.created",
    resourceType: RESOURCE,
    resourceId: id,
    metadata: { patient_id: patientId, recipients: recipients.length, call_type: input.call_type },
  });
  const db = ctx.db.orm;
  await ctx.db.write([
    db.insert(calls).values(call),
    db.insert(callParticipants).values(
      lines.map((l) => ({
        id: uuidv7(),
        workspaceId: caller.workspaceId,
        callId: id,
        userId: l.userId,
        role: l.role,
        state: l.state,
        answeredAt: l.answeredAt,
        callCreatedAt: created,
      })),
    ),
    db.insert(callEvents).values({
      id: uuidv7(),
      workspaceId: caller.workspaceId,
      callId: id,
      version: 0,
      action: "initiate",
      fromStatus: null,
      toStatus: "ringing",
      actorId: caller.userId,
      createdAt: created,
    }),
    entry.query,
  ]);
  const people = await decryptPeople(ctx.phi, [
    { id: caller.userId, role: caller.role, nameEnc: callerNameEnc },
    ...recipients,
  ]);
  await announceRinging(
    ctx.env,
    call,
    people.get(caller.userId)!,
    recipients.map((r) => people.get(r.id)!),
  );
  return presentCall(call, lines, people, iceOf(ctx));
}

const ACTIONS = { answer: "call.answered", decline: "call.declined", end: "call.ended" } as const;

/**
 * Answers, declines or ends a call the caller takes part in. Throws 403 (family), 404 (not a
 * participant, another workspace, unknown), 409 (a move the state machine refuses, or a
 * concurrent change won).
 */
export async function actOnCall(
  ctx: RequestContext,
  callId: string,
  action: Exclude<CallAction, "timeout">,
): Promise<CallView> {
  const { call, lines } = await accessCall(ctx, callId, ACTIONS[action]);
  const actorId = ctx.caller!.userId;
  const move = nextMove(call.status, lines, action, actorId);
  const now = new Date().toISOString();
  const applied = moveWrites(ctx, call, lines, move, action, actorId, now);
  const entry = await auditEntry(ctx, {
    action: ACTIONS[action],
    resourceType: RESOURCE,
    resourceId: callId,
    metadata: { patient_id: call.patientId, from: call.status, to: applied.call.status },
  });
  await writeMove(ctx, [entry.query, ...applied.writes]);
  await announceMove(
    ctx.env,
    call,
    applied.call,
    applied.lines,
    action === "answer" ? actorId : null,
  );
  await notifyMove(ctx, call, move, action === "decline" ? actorId : null);
  const people = await peopleOf(
    ctx,
    call.workspaceId,
    applied.lines.map((l) => l.userId),
  );
  const transcription = await callTranscription(ctx, applied.call);
  return presentCall(applied.call, applied.lines, people, iceOf(ctx), null, transcription);
}

async function writeMove(ctx: RequestContext, writes: Parameters<RequestDb["write"]>[0]) {
  // The audit entry rides in the same batch: a lost race rolls it back with the change.
  try {
    await ctx.db.write(writes);
  } catch (error) {
    if (isUniqueViolation(error, "call_events")) {
      throw new ConflictError("The call changed meanwhile; reload it and try again");
    }
    throw error;
  }
}

/** One call the caller takes part in, with its participants and recording. Audited (`call.read`). */
export async function getCall(ctx: RequestContext, callId: string): Promise<CallView> {
  const { call, lines } = await accessCall(ctx, callId, "call.read");
  const [people, recording, transcription] = await Promise.all([
    peopleOf(
      ctx,
      call.workspaceId,
      lines.map((l) => l.userId),
    ),
    recordingView(ctx, call),
    callTranscription(ctx, call),
  ]);
  await queueAudit(ctx, {
    action: "call.read",
    resourceType: RESOURCE,
    resourceId: callId,
    metadata: { patient_id: call.patientId },
  });
  return presentCall(call, lines, people, iceOf(ctx), recording, transcription);
}

/**
 * The ring timer ran out (the call room's alarm): lines still ringing are missed, and a call
 * nobody answered becomes `missed`. Does nothing for an unknown or finished call. Audited as
 * `call.missed` by the system.
 */
export async function expireCall(env: Bindings, workspaceId: string, callId: string) {
  const ctx: RequestContext = {
    env,
    db: new RequestDb(env.DB),
    phi: phiCipherFor(env),
    requestId: uuidv7(),
    ip: null,
    userAgent: null,
    caller: null,
    waitUntil: () => undefined,
  };
  const [callRows, lines] = await ctx.db.read(callReads(ctx, workspaceId, callId));
  const call = callRows[0];
  if (!call || !["ringing", "active"].includes(call.status)) return false;
  const move = nextMove(call.status, lines, "timeout", null);
  if (move.lines.size === 0) return false;
  const now = new Date().toISOString();
  const applied = moveWrites(ctx, call, lines, move, "timeout", null, now);
  const entry = await auditEntry(ctx, {
    action: "call.missed",
    resourceType: RESOURCE,
    resourceId: callId,
    workspaceId,
    actorId: null,
    actorRole: "system",
    metadata: { patient_id: call.patientId, missed_lines: move.lines.size },
  });
  try {
    await ctx.db.write([entry.query, ...applied.writes]);
  } catch (error) {
    // Answered or ended at the same moment: that move won, and the timer has nothing to do.
    if (isUniqueViolation(error, "call_events")) return false;
    throw error;
  }
  await announceMove(env, call, applied.call, applied.lines, null);
  await notifyMove(ctx, call, move, null);
  return true;
}

/**
 * The notifications of a move (src/modules/notifications): lines that rang out are missed calls,
 * a decline tells the caller. The move is stored already, so a failure here only logs.
 */
async function notifyMove(
  ctx: RequestContext,
  call: CallRow,
  move: ReturnType<typeof nextMove>,
  declinedBy: string | null,
) {
  const missed = [...move.lines].flatMap(([id, state]) => (state === "missed" ? [id] : []));
  try {
    if (missed.length) await notifyCallMissed(ctx, call, missed);
    if (declinedBy) await notifyCallDeclined(ctx, call, declinedBy);
  } catch (error) {
    console.warn(
      JSON.stringify({ level: "warn", event: "notify_failed", error: (error as Error).name }),
    );
  }
}
