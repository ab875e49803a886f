/**
 * Transcripts of recorded audio (voice messages, call recordings), one per media object.
 *
 * Invariants:
 * - Every row carries `workspace_id`; access follows the media's owner (media.owners.ts), so a
 *   transcript is readable exactly by those who may read its recording.
 * - The text and the segments (each `{ id, start, end, text }`, seconds from the start; the span
 *   ids scribe sources cite) are patient data: stored only encrypted.
 * - One transcript per media object (unique), so a retried request or two racing ones store one.
 * - `provider` and `model` record what produced it; there is no transcript without a model.
 */
import { integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, workspaceId } from "./columns";

export const transcripts = sqliteTable(
  "transcripts",
  {
    id: id(),
    workspaceId: workspaceId(),
    mediaId: text("media_id").notNull(),
    /** The patient the media concerns, when known (audit and erasure). */
    patientId: text("patient_id"),
    textEnc: text("text_enc").notNull(),
    segmentsEnc: text("segments_enc").notNull(),
    segmentCount: integer("segment_count").notNull(),
    durationSeconds: real("duration_seconds"),
    language: text("language"),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("transcripts_media").on(t.mediaId)],
);
