/**
 * `POST /calls/{id}/transcribe` (seed 002 §2.8): the call's recording transcribed by the
 * transcriptions module's verb and kept on the call, where its participants read it (`GET
 * /calls/{id}`), and where the scribe finds it (`generate-note` with `call_id`).
 *
 * Which audio: the call stores no audio of its own. The recording is the media object made with
 * `POST /calls/{id}/record` (purpose `call_recording`, owner the call); a client that recorded
 * otherwise uploads the file with that purpose and owner and names it as `media_id`. Any other
 * media is refused (422), so a call's transcript is always of that call.
 *
 * Invariants: participants only (accessCall: 403 for family, 404 for anyone else, audited), and
 * the recording readable through its owner (the same call rule). The text is stored only
 * encrypted (`transcription_enc`, bound to the call); the timed spans stay on the transcript row.
 * A retry returns what is stored without running the model, unless `force`.
 */
import { and, eq } from "drizzle-orm";
import { calls } from "../../db/schema/calls";
import { auditEntry } from "../../lib/audit";
import { queueAudit } from "../../lib/audit-queue";
import { ConflictError, ValidationError } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import { loadMedia } from "../media/media.service";
import { createTranscription } from "../transcriptions/transcriptions.service";
import { accessCall, RESOURCE, type CallRow } from "./calls.access";
import type { CallTranscription, TranscribeCallInput } from "./calls.schemas";
import { formatDuration } from "./calls.state";

const ACTION = "call.transcribed" as const;
const transcriptionRef = (callId: string) => ({
  table: "calls",
  column: "transcription",
  rowId: callId,
});

/** The call's stored transcription, decrypted (null when it has none). */
export const callTranscription = (ctx: RequestContext, call: CallRow) =>
  ctx.phi.decryptOptional(call.transcriptionEnc, transcriptionRef(call.id));

/** The recording to transcribe: the call's own, or an upload of this call named by the client. */
async function recordingOf(ctx: RequestContext, call: CallRow, mediaId: string | undefined) {
  if (!mediaId) {
    if (!call.recordingMediaId) {
      throw new ConflictError("This call has no recording to transcribe", [
        {
          field: "media_id",
          message: "Record the call (POST /calls/{id}/record) or upload its recording",
        },
      ]);
    }
    return call.recordingMediaId;
  }
  if (call.recordingMediaId && call.recordingMediaId !== mediaId) {
    throw new ValidationError([
      { field: "media_id", message: "The call has its own recording; name that one or none" },
    ]);
  }
  const media = await loadMedia(ctx, mediaId);
  if (!media || media.ownerKind !== "call" || media.ownerId !== call.id) {
    throw new ValidationError([
      { field: "media_id", message: "Not a recording uploaded for this call" },
    ]);
  }
  return media.id;
}

/**
 * Transcribes the call's recording (201) or returns the stored transcription (200). 409 when
 * the call has no recording, 422 for media that is not this call's uploaded audio or video,
 * 503 without a speech-to-text model.
 */
export async function transcribeCall(
  ctx: RequestContext,
  callId: string,
  input: TranscribeCallInput,
  force = false,
): Promise<{ result: CallTranscription; created: boolean }> {
  const { call } = await accessCall(ctx, callId, ACTION);
  const mediaId = await recordingOf(ctx, call, input.media_id);
  const duration = formatDuration(call.durationSeconds);
  if (call.transcriptId && call.transcribedAt && !force) {
    await queueAudit(ctx, {
      action: "call.read",
      resourceType: RESOURCE,
      resourceId: call.id,
      metadata: { patient_id: call.patientId, transcript_id: call.transcriptId },
    });
    return {
      result: {
        call_id: call.id,
        transcript_id: call.transcriptId,
        media_id: mediaId,
        transcription: (await callTranscription(ctx, call)) ?? "",
        duration,
        duration_seconds: call.durationSeconds,
        transcribed_at: call.transcribedAt,
      },
      created: false,
    };
  }
  const { transcript } = await createTranscription(ctx, { media_id: mediaId }, { force });
  const now = new Date().toISOString();
  const set = {
    transcriptId: transcript.id,
    transcriptionEnc: await ctx.phi.encrypt(transcript.text, transcriptionRef(call.id)),
    transcribedAt: now,
    updatedAt: now,
  };
  const entry = await auditEntry(ctx, {
    action: ACTION,
    resourceType: RESOURCE,
    resourceId: call.id,
    metadata: { patient_id: call.patientId, transcript_id: transcript.id, media_id: mediaId },
  });
  await ctx.db.write([
    ctx.db.orm
      .update(calls)
      .set(set)
      .where(and(eq(calls.id, call.id), eq(calls.workspaceId, call.workspaceId))),
    entry.query,
  ]);
  return {
    result: {
      call_id: call.id,
      transcript_id: transcript.id,
      media_id: mediaId,
      transcription: transcript.text,
      duration,
      duration_seconds: call.durationSeconds,
      transcribed_at: now,
    },
    created: true,
  };
}
