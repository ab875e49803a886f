/**
 * Transcribing an uploaded recording (voice message, call recording) with a Whisper-family model,
 * and reading the stored transcript.
 *
 * Invariants: access is the media's (its owner's registered check, media.owners.ts), for creating
 * and for reading, so a transcript is visible exactly to those who may play the recording. One
 * transcript per media object: a repeat returns the stored one (200) instead of paying for a
 * second run. Without a reachable model the answer is 503 `transcription_unavailable` and nothing
 * is stored. Text and segments are stored only encrypted.
 */
import { and, eq } from "drizzle-orm";
import { transcripts } from "../../db/schema/transcripts";
import {
  transcribeAudio,
  TranscriptionUnavailable,
  type TranscriptSegment,
} from "../../ai/transcribe";
import { auditEntry, recordAudit } from "../../lib/audit";
import { queueAudit } from "../../lib/audit-queue";
import { ConflictError, NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessMedia } from "../media/media.access";
import type { CreateTranscriptionInput, Transcript } from "./transcriptions.schemas";

/** Whisper's practical input limit on Workers AI; longer recordings need splitting first. */
export const MAX_TRANSCRIBE_BYTES = 25 * 1024 * 1024;

type Row = typeof transcripts.$inferSelect;
const ref = (id: string, column: "text" | "segments") => ({
  table: "transcripts",
  column,
  rowId: id,
});

async function view(ctx: RequestContext, row: Row): Promise<Transcript> {
  const [text, segments] = await Promise.all([
    ctx.phi.decrypt(row.textEnc, ref(row.id, "text")),
    ctx.phi.decrypt(row.segmentsEnc, ref(row.id, "segments")),
  ]);
  return {
    id: row.id,
    media_id: row.mediaId,
    patient_id: row.patientId,
    text,
    segments: JSON.parse(segments) as TranscriptSegment[],
    language: row.language,
    duration_seconds: row.durationSeconds,
    provider: row.provider,
    model: row.model,
    created_by: row.createdBy,
    created_at: row.createdAt,
  };
}

const byMedia = (ctx: RequestContext, workspaceId: string, mediaId: string) =>
  ctx.db.orm
    .select()
    .from(transcripts)
    .where(and(eq(transcripts.workspaceId, workspaceId), eq(transcripts.mediaId, mediaId)))
    .limit(1);

/**
 * Transcribes a media object the caller may read (201), or returns its stored transcript (200).
 * `force` runs the model again and replaces the stored transcript in place (same id, so what
 * cites it keeps pointing at it). 422 for media that is not uploaded, not audio/video or too
 * large; 503 without a model.
 */
export async function createTranscription(
  ctx: RequestContext,
  input: CreateTranscriptionInput,
  options: { force?: boolean } = {},
) {
  const caller = callerOf(ctx);
  const media = await accessMedia(ctx, input.media_id, "read");
  const [existing] = await ctx.db.read([byMedia(ctx, caller.workspaceId, media.id)]);
  if (existing[0] && !options.force) {
    await queueAudit(ctx, {
      action: "transcript.read",
      resourceType: "transcript",
      resourceId: existing[0].id,
      metadata: { media_id: media.id },
    });
    return { transcript: await view(ctx, existing[0]), created: false };
  }
  const issues = [];
  if (media.status !== "uploaded") issues.push("Not uploaded yet");
  if (!/^(audio|video)\//.test(media.contentType)) issues.push("Not an audio or video recording");
  if ((media.sizeBytes ?? 0) > MAX_TRANSCRIBE_BYTES) issues.push("Longer than 25 MiB of audio");
  if (issues.length) throw new ValidationError([{ field: "media_id", message: issues.join("; ") }]);
  if (!ctx.env.AI) throw new TranscriptionUnavailable();
  const object = await ctx.env.MEDIA.get(media.objectKey);
  if (!object) throw new ConflictError("The recording's bytes are not stored");
  const result = await transcribeAudio(ctx.env, new Uint8Array(await object.arrayBuffer()));
  const id = existing[0]?.id ?? uuidv7();
  const row: Row = {
    id,
    workspaceId: caller.workspaceId,
    mediaId: media.id,
    patientId: media.patientId,
    textEnc: await ctx.phi.encrypt(result.text, ref(id, "text")),
    segmentsEnc: await ctx.phi.encrypt(JSON.stringify(result.segments), ref(id, "segments")),
    segmentCount: result.segments.length,
    durationSeconds: result.durationSeconds,
    language: result.language,
    provider: result.provider,
    model: result.model,
    createdBy: caller.userId,
    createdAt: new Date().toISOString(),
  };
  if (existing[0]) {
    const { textEnc, segmentsEnc, segmentCount, durationSeconds, language, provider, model } = row;
    const audit = await auditEntry(ctx, {
      action: "transcript.updated",
      resourceType: "transcript",
      resourceId: id,
      metadata: { media_id: media.id, segments: segmentCount, model, force: true },
    });
    const changes = { textEnc, segmentsEnc, segmentCount, durationSeconds, language, provider };
    await ctx.db.write([
      ctx.db.orm
        .update(transcripts)
        .set({ ...changes, model, createdBy: row.createdBy, createdAt: row.createdAt })
        .where(and(eq(transcripts.id, id), eq(transcripts.workspaceId, caller.workspaceId))),
      audit.query,
    ]);
    return { transcript: await view(ctx, row), created: false };
  }
  const audit = await auditEntry(ctx, {
    action: "transcript.created",
    resourceType: "transcript",
    resourceId: id,
    metadata: { media_id: media.id, segments: row.segmentCount, model: row.model },
  });
  try {
    await ctx.db.write([ctx.db.orm.insert(transcripts).values(row), audit.query]);
  } catch (error) {
    // Two requests for the same recording at once: the other one stored it first.
    if (!/UNIQUE constraint failed/i.test(String((error as Error).message))) throw error;
    const [stored] = await ctx.db.read([byMedia(ctx, caller.workspaceId, media.id)]);
    if (!stored[0]) throw error;
    return { transcript: await view(ctx, stored[0]), created: false };
  }
  return { transcript: await view(ctx, row), created: true };
}

/** A stored transcript, if the caller may read its recording (404 otherwise, audited). */
export async function getTranscription(ctx: RequestContext, id: string) {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(transcripts)
      .where(and(eq(transcripts.id, id), eq(transcripts.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  const row = rows[0];
  if (!row) {
    await recordAudit(ctx, {
      action: "transcript.read",
      resourceType: "transcript",
      resourceId: id,
      outcome: "not_found",
    });
    throw new NotFoundError("Transcript");
  }
  try {
    await accessMedia(ctx, row.mediaId, "read");
  } catch (error) {
    // Refused by the media's owner (audited there): the same answer as an unknown transcript.
    if (error instanceof NotFoundError) throw new NotFoundError("Transcript");
    throw error;
  }
  await queueAudit(ctx, {
    action: "transcript.read",
    resourceType: "transcript",
    resourceId: row.id,
    metadata: { media_id: row.mediaId },
  });
  return view(ctx, row);
}
