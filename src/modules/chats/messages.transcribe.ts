/**
 * `POST /messages/{id}/transcribe` (seed 002 §2.5): a voice message's recording transcribed by
 * the transcriptions module's verb and kept on the message, where every participant reads it.
 *
 * Invariants: the caller must reach the chat now (accessMessage) and read the recording (the
 * transcriptions verb asks the media's owner, which is the same chat rule). The text is stored
 * only encrypted (`transcription_enc`, bound to the message); the timed spans stay on the
 * transcript row it points to. A retry returns what is stored without running the model again,
 * unless `force`; a change is audited with the message update in one batch and announced to the
 * chat as `message:updated`.
 */
import { and, eq, isNull } from "drizzle-orm";
import { chatMessages } from "../../db/schema/chats";
import { guardedWrite } from "../../lib/guarded-write";
import { queueAudit } from "../../lib/audit-queue";
import { ConflictError, ValidationError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { createTranscription } from "../transcriptions/transcriptions.service";
import { bodyRef, messageView } from "./chats.data";
import type { MessageTranscription } from "./chats.schemas";
import { accessMessage, readerOf, tellParticipants } from "./messages.service";

const ACTION = "chat_message.transcribed" as const;

const seconds = (s: number | null) => (s === null ? null : `${Math.round(s * 10) / 10}s`);

/**
 * Transcribes a voice message (201), or returns the stored transcription (200). 422 for a
 * message that is not a voice message or is deleted; 503 without a speech-to-text model.
 */
export async function transcribeMessage(
  ctx: RequestContext,
  messageId: string,
  force = false,
): Promise<{ result: MessageTranscription; created: boolean }> {
  const { row, me } = await accessMessage(ctx, messageId, ACTION);
  if (row.type !== "voice" || row.deletedAt || !row.mediaId) {
    throw new ValidationError([
      { field: "id", message: "Only a voice message that is not deleted can be transcribed" },
    ]);
  }
  const caller = callerOf(ctx);
  if (row.transcriptId && row.transcriptionEnc && row.transcribedAt && !force) {
    const text = await ctx.phi.decrypt(row.transcriptionEnc, bodyRef(row.id, "transcription"));
    await queueAudit(ctx, {
      action: "chat_message.read",
      resourceType: "chat_message",
      resourceId: row.id,
      metadata: { chat_id: row.chatId, transcript_id: row.transcriptId },
    });
    return {
      result: {
        message_id: row.id,
        chat_id: row.chatId,
        transcript_id: row.transcriptId,
        transcription: text,
        duration: seconds(row.voiceSeconds),
        duration_seconds: row.voiceSeconds,
        transcribed_at: row.transcribedAt,
      },
      created: false,
    };
  }
  const { transcript } = await createTranscription(ctx, { media_id: row.mediaId }, { force });
  const now = new Date().toISOString();
  const set = {
    transcriptId: transcript.id,
    transcriptionEnc: await ctx.phi.encrypt(transcript.text, bodyRef(row.id, "transcription")),
    transcribedAt: now,
  };
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(chatMessages)
      .set(set)
      .where(
        and(
          eq(chatMessages.id, row.id),
          eq(chatMessages.workspaceId, caller.workspaceId),
          isNull(chatMessages.deletedAt),
        ),
      ),
    audit: {
      action: ACTION,
      resourceType: "chat_message",
      resourceId: row.id,
      metadata: { chat_id: row.chatId, transcript_id: transcript.id, force },
    },
  });
  if (!changed) throw new ConflictError("The message was deleted meanwhile");
  const view = await messageView(ctx.phi, { ...row, ...set }, readerOf(ctx, me.lastReadSeq));
  await tellParticipants(ctx, row.chatId, "message:updated", view);
  const duration = transcript.duration_seconds ?? row.voiceSeconds;
  return {
    result: {
      message_id: row.id,
      chat_id: row.chatId,
      transcript_id: transcript.id,
      transcription: transcript.text,
      duration: seconds(duration),
      duration_seconds: duration,
      transcribed_at: now,
    },
    created: true,
  };
}
