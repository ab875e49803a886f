/**
 * The scribe reads a conversation itself (seed 002 §2.7 `generate-note` with `chatId`): a chat's
 * messages (optionally a `from`/`to` window), or a call's stored transcript, become the segments
 * a draft cites: a message by its id, a transcript span by its span id.
 *
 * Invariants: everything is read with the caller's own access now (a chat through
 * `accessChat`, the chats.audience.ts rule; a call through `accessCall`; the transcript through
 * its recording's owner), refusals answer and are audited as those modules do. A conversation
 * about a patient gives the note its patient; a `patient_id` that names another patient is a 422.
 * Deleted messages are never read; a voice message counts through its stored transcription.
 */
import { and, asc, eq, gte, isNull, lte } from "drizzle-orm";
import { chatMessages } from "../../db/schema/chats";
import { users } from "../../db/schema/users";
import type { Segment } from "../../ai/facts";
import { queueAudit } from "../../lib/audit-queue";
import { ConflictError, ValidationError } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import { accessCall } from "../calls/calls.access";
import { accessChat } from "../chats/chats.access";
import { bodyRef } from "../chats/chats.data";
import { SECTION_MAX } from "../clinical-notes/clinical-notes.schemas";
import { getTranscription } from "../transcriptions/transcriptions.service";
import type { GenerateNoteInput } from "./scribe.schemas";

/** The most messages one draft reads (the schema's segment limit). */
const MAX_MESSAGES = 2000;

const SPEAKERS: Record<string, string> = {
  patient: "Patient",
  family: "Family",
  admin: "Clinician",
  physiotherapist: "Physiotherapist",
  doctor: "Doctor",
  nurse: "Nurse",
};

function patientOf(conversation: string | null, given: string | null | undefined, field: string) {
  if (conversation && given && conversation !== given) {
    throw new ValidationError([
      { field: "patient_id", message: `Not the patient of this ${field}` },
    ]);
  }
  const patientId = conversation ?? given;
  if (!patientId) {
    throw new ValidationError([
      { field: "patient_id", message: `Required: this ${field} is about no patient` },
    ]);
  }
  return patientId;
}

/** A chat's messages (in the window) as segments citing message ids. */
async function chatSegments(ctx: RequestContext, input: GenerateNoteInput, chatId: string) {
  const { chat } = await accessChat(ctx, chatId, "scribe.read");
  const patientId = patientOf(chat.patientId, input.patient_id, "chat");
  const m = chatMessages;
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({
        id: m.id,
        type: m.type,
        bodyEnc: m.bodyEnc,
        transcriptionEnc: m.transcriptionEnc,
        role: users.role,
      })
      .from(m)
      .innerJoin(users, eq(users.id, m.senderId))
      .where(
        and(
          eq(m.chatId, chat.id),
          eq(m.workspaceId, chat.workspaceId),
          isNull(m.deletedAt),
          input.from ? gte(m.createdAt, new Date(input.from).toISOString()) : undefined,
          input.to ? lte(m.createdAt, new Date(input.to).toISOString()) : undefined,
        ),
      )
      .orderBy(asc(m.seq))
      .limit(MAX_MESSAGES),
  ]);
  const segments: Segment[] = [];
  for (const row of rows) {
    const text =
      row.type === "voice"
        ? await ctx.phi.decryptOptional(row.transcriptionEnc, bodyRef(row.id, "transcription"))
        : row.type === "system"
          ? null
          : await ctx.phi.decryptOptional(row.bodyEnc, bodyRef(row.id));
    if (!text?.trim()) continue;
    segments.push({
      id: row.id,
      speaker: SPEAKERS[row.role] ?? null,
      text: text.trim().slice(0, SECTION_MAX),
    });
  }
  if (!segments.length) {
    throw new ValidationError([
      { field: "chat_id", message: "No messages with text in this chat (or window)" },
    ]);
  }
  await queueAudit(ctx, {
    action: "scribe.read",
    resourceType: "chat",
    resourceId: chat.id,
    metadata: { patient_id: patientId, messages: segments.length },
  });
  return { patientId, segments };
}

/** A call's stored transcript as segments citing its span ids; 409 when it has none. */
async function callSegments(ctx: RequestContext, input: GenerateNoteInput, callId: string) {
  const { call } = await accessCall(ctx, callId, "scribe.read");
  const patientId = patientOf(call.patientId, input.patient_id, "call");
  if (!call.transcriptId) {
    throw new ConflictError("The call has no transcript", [
      {
        field: "call_id",
        message: "No transcript: transcribe it first (POST /calls/{id}/transcribe)",
      },
    ]);
  }
  const transcript = await getTranscription(ctx, call.transcriptId);
  const segments = transcript.segments
    .filter((s) => s.text.trim())
    .map((s) => ({ id: s.id, speaker: null, text: s.text.trim().slice(0, SECTION_MAX) }));
  if (!segments.length) {
    throw new ValidationError([{ field: "call_id", message: "The call's transcript is empty" }]);
  }
  return { patientId, segments };
}

/**
 * A request naming a conversation (no text, segments or source) with the conversation read into
 * `segments` and its patient into `patient_id`; any other request unchanged.
 */
export async function withConversation(
  ctx: RequestContext,
  input: GenerateNoteInput,
): Promise<GenerateNoteInput & { patient_id: string }> {
  const given = input.text ?? input.segments ?? input.source;
  if (given !== undefined) {
    if (!input.patient_id)
      throw new ValidationError([{ field: "patient_id", message: "Required" }]);
    return { ...input, patient_id: input.patient_id };
  }
  // The role first (403 for any id), before any conversation is read.
  await requirePermission(ctx, "scribe.use", {
    action: "scribe.generated",
    resourceType: input.chat_id ? "chat" : "call",
    resourceId: input.chat_id ?? input.call_id ?? null,
  });
  const read = input.chat_id
    ? await chatSegments(ctx, input, input.chat_id)
    : await callSegments(ctx, input, input.call_id!);
  return {
    ...input,
    from: undefined,
    to: undefined,
    patient_id: read.patientId,
    segments: read.segments,
  };
}
