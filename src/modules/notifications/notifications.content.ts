/**
 * What each event says to each recipient, and who receives it: the only place that writes a
 * notification's text.
 *
 * Privacy rules (docs/notifications.md):
 * - A message notification goes to the chat's audience now (chats.audience.ts, as the commit
 *   computed it) minus the sender and anyone with a socket open in that chat. Staff and the
 *   patient get a preview of the text (they read the chat anyway); a family member gets the
 *   sender's name and a fixed sentence, never the text or the chat's name (which may name the
 *   patient or a condition).
 * - Calls name the other person and the call type only. Notes and sessions go to clinicians
 *   (who may read them) and name the template or exercise, never a diagnosis or note text.
 * - Links are app paths of ids (`/chats/{id}`), never names.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import { chats } from "../../db/schema/chats";
import { careTeamMembers } from "../../db/schema/patients";
import { users } from "../../db/schema/users";
import type { Bindings } from "../../env";
import type { RequestContext } from "../../middleware/request-context";
import { CLINICIAN_ROLES } from "../../policy/policy";
import type { Message } from "../chats/chats.schemas";
import { notify, systemContext, type Recipient } from "./notifications.service";

const PREVIEW_CHARS = 120;

/** Display names (title and name) of users of a workspace, decrypted. */
export async function displayNames(ctx: RequestContext, workspaceId: string, ids: string[]) {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map<string, string>();
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: users.id, nameEnc: users.nameEnc, title: users.title })
      .from(users)
      .where(and(inArray(users.id, unique), eq(users.workspaceId, workspaceId))),
  ]);
  const names = await Promise.all(
    rows.map(async (r) => {
      const name = await ctx.phi.decrypt(r.nameEnc, {
        table: "users",
        column: "name",
        rowId: r.id,
      });
      return [r.id, r.title ? `${r.title} ${name}` : name] as const;
    }),
  );
  return new Map(names);
}

function preview(message: Message): string {
  if (message.type === "voice") return "Voice message";
  if (message.type !== "text") return "Sent an attachment";
  const text = (message.content ?? "").replace(/\s+/g, " ").trim();
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/**
 * After a chat room committed new messages: notifies each of `audience` (who may reach the chat
 * now, from the commit) except the sender and the users with a socket open in the chat.
 */
export async function notifyChatMessages(
  env: Bindings,
  chatId: string,
  messages: Message[],
  audience: string[],
  connected: Iterable<string>,
) {
  const inRoom = new Set(connected);
  const ctx = systemContext(env);
  const [chat] = await ctx.db.orm
    .select({ workspaceId: chats.workspaceId, patientId: chats.patientId })
    .from(chats)
    .where(and(eq(chats.id, chatId), isNull(chats.deletedAt)))
    .limit(1);
  if (!chat) return;
  const names = await displayNames(
    ctx,
    chat.workspaceId,
    messages.map((m) => m.sender.id),
  );
  for (const message of messages) {
    const recipients = audience.filter((id) => id !== message.sender.id && !inRoom.has(id));
    if (recipients.length === 0) continue;
    const sender = names.get(message.sender.id) ?? "your care team";
    await notify(ctx, {
      workspaceId: chat.workspaceId,
      type: "message",
      recipients,
      dedupeKey: `message:${message.id}`,
      link: `/chats/${chatId}`,
      patientId: chat.patientId,
      content: (r) => ({
        title: `New message from ${sender}`,
        body: r.role === "family" ? "Open the family update chat to read it." : preview(message),
      }),
      extra: { chat_id: chatId, message_id: message.id },
    });
  }
}

type CallInfo = {
  id: string;
  workspaceId: string;
  patientId: string | null;
  createdBy: string;
  type: string;
};

/** A call nobody answered in time: each recipient whose line rang out is told who called. */
export async function notifyCallMissed(ctx: RequestContext, call: CallInfo, missed: string[]) {
  const recipients = missed.filter((id) => id !== call.createdBy);
  if (recipients.length === 0) return;
  const names = await displayNames(ctx, call.workspaceId, [call.createdBy]);
  const from = names.get(call.createdBy) ?? "someone";
  await notify(ctx, {
    workspaceId: call.workspaceId,
    type: "call",
    recipients,
    dedupeKey: `call:${call.id}:missed`,
    link: `/calls/${call.id}`,
    patientId: call.patientId,
    content: () => ({ title: `Missed call from ${from}`, body: `Missed ${call.type} call` }),
    extra: { call_id: call.id, status: "missed" },
  });
}

/** A recipient declined: the caller is told who. */
export async function notifyCallDeclined(ctx: RequestContext, call: CallInfo, declinedBy: string) {
  if (declinedBy === call.createdBy) return;
  const names = await displayNames(ctx, call.workspaceId, [declinedBy]);
  const who = names.get(declinedBy) ?? "The person you called";
  await notify(ctx, {
    workspaceId: call.workspaceId,
    type: "call",
    recipients: [call.createdBy],
    dedupeKey: `call:${call.id}:declined:${declinedBy}`,
    link: `/calls/${call.id}`,
    patientId: call.patientId,
    content: () => ({ title: `${who} declined your call`, body: `Declined ${call.type} call` }),
    extra: { call_id: call.id, status: "declined" },
  });
}

type NoteInfo = {
  id: string;
  workspaceId: string;
  patientId: string;
  authorId: string;
  templateType: string;
  version: number;
};

const templateLabel = (t: string) => t.toUpperCase();

/** A note was finalized: its author (the only signer) has it to sign. One per note version. */
export async function notifyNoteReady(ctx: RequestContext, note: NoteInfo) {
  await notify(ctx, {
    workspaceId: note.workspaceId,
    type: "note",
    recipients: [note.authorId],
    dedupeKey: `note:${note.id}:ready:${note.version}`,
    link: `/clinical-notes/${note.id}`,
    patientId: note.patientId,
    content: () => ({
      title: "Note ready to sign",
      body: `Your ${templateLabel(note.templateType)} note is final and waits for your signature.`,
    }),
    extra: { note_id: note.id, status: "ready_to_sign" },
  });
}

/** Clinicians of the patient's care team (the ones who may read their notes and sessions). */
async function careTeamClinicians(ctx: RequestContext, workspaceId: string, patientId: string) {
  const rows = await ctx.db.orm
    .select({ userId: careTeamMembers.userId })
    .from(careTeamMembers)
    .innerJoin(users, eq(users.id, careTeamMembers.userId))
    .where(
      and(
        eq(careTeamMembers.workspaceId, workspaceId),
        eq(careTeamMembers.patientId, patientId),
        inArray(users.role, [...CLINICIAN_ROLES]),
      ),
    );
  return rows.map((r) => r.userId);
}

/** A note was signed: the patient's care-team clinicians (the signer aside) are told. */
export async function notifyNoteSigned(ctx: RequestContext, note: NoteInfo, signerId: string) {
  const team = await careTeamClinicians(ctx, note.workspaceId, note.patientId);
  const recipients = [...team, note.authorId].filter((id) => id !== signerId);
  if (recipients.length === 0) return;
  const names = await displayNames(ctx, note.workspaceId, [signerId]);
  const signer = names.get(signerId) ?? "A clinician";
  await notify(ctx, {
    workspaceId: note.workspaceId,
    type: "note",
    recipients,
    dedupeKey: `note:${note.id}:signed`,
    link: `/clinical-notes/${note.id}`,
    patientId: note.patientId,
    content: (r: Recipient) => ({
      title: "Note signed",
      body:
        r.role === "family" || r.role === "patient"
          ? "A clinical note was signed."
          : `${signer} signed a ${templateLabel(note.templateType)} note.`,
    }),
    extra: { note_id: note.id, status: "signed" },
  });
}

type SessionInfo = {
  id: string;
  patientId: string;
  repCount: number | null;
  qualityScore: number | null;
};

/**
 * A completed exercise session awaits review: the patient's care-team clinicians are told.
 * Keeps the fields the review queue's clients already read (`kind`, `session_id`, `rep_count`…).
 */
export async function notifySessionReview(
  ctx: RequestContext,
  workspaceId: string,
  session: SessionInfo,
  exercise: string,
) {
  const recipients = await careTeamClinicians(ctx, workspaceId, session.patientId);
  if (recipients.length === 0) return { created: [], delivered: 0 };
  const quality =
    session.qualityScore === null ? "" : `, quality ${Math.round(session.qualityScore * 100)}%`;
  return notify(ctx, {
    workspaceId,
    type: "session",
    recipients,
    dedupeKey: `session:${session.id}:review`,
    link: `/sessions/${session.id}`,
    patientId: session.patientId,
    content: () => ({
      title: "Session awaiting review",
      body: `${exercise.replace(/[_-]+/g, " ")} session: ${session.repCount ?? 0} reps${quality}.`,
    }),
    extra: {
      kind: "session.review_pending",
      session_id: session.id,
      patient_id: session.patientId,
      exercise_type: exercise,
      rep_count: session.repCount,
      quality_score: session.qualityScore,
    },
  });
}

/** A scribe job finished: its author is told the draft is ready (or why there is none). */
export async function notifyScribeJob(
  env: Bindings,
  job: { id: string; workspaceId: string; authorId: string; patientId: string | null },
  outcome: { noteId: string } | { error: string },
) {
  const ctx = systemContext(env);
  const ok = "noteId" in outcome;
  await notify(ctx, {
    workspaceId: job.workspaceId,
    type: "note",
    recipients: [job.authorId],
    dedupeKey: `scribe_job:${job.id}`,
    link: ok ? `/clinical-notes/${outcome.noteId}` : `/scribe/jobs/${job.id}`,
    patientId: job.patientId,
    content: () =>
      ok
        ? { title: "Draft note ready", body: "The scribe drafted your note; review it and sign." }
        : { title: "Note draft failed", body: "The scribe could not draft your note." },
    extra: ok
      ? { kind: "scribe_job.succeeded", job_id: job.id, note_id: outcome.noteId }
      : { kind: "scribe_job.failed", job_id: job.id, error: outcome.error },
  });
}
