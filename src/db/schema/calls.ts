/**
 * Calls (seed 002 §1.12, §2.8): a voice or video call, its participants, and every state change.
 *
 * Invariants: every row carries `workspace_id`. A call's status moves only through the state
 * machine in src/modules/calls/calls.state.ts, and every move writes one `call_events` row whose
 * `(call_id, version)` is unique: two concurrent moves from the same version cannot both commit
 * (the loser's batch fails on the index and rolls back), so D1 is the arbiter even between the
 * Worker and the call's Durable Object (ring timeout). Nothing here is free text: a call names
 * people only by user id; `patient_id` is set when a patient takes part, so reads are audited as
 * patient data and media of the call is tied to that patient. The recording is a media object
 * (purpose `call_recording`, owner kind `call`); URLs are never stored, only issued on demand.
 * Its transcription (`POST /calls/{id}/transcribe`) is the only free text: `transcription_enc`.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, timestamp, updatedAt, workspaceId } from "./columns";

export const CALL_TYPES = ["voice", "video"] as const;
export type CallType = (typeof CALL_TYPES)[number];

export const CALL_STATUSES = ["ringing", "active", "ended", "missed", "declined"] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const PARTICIPANT_STATES = ["ringing", "joined", "declined", "missed", "left"] as const;
export type ParticipantState = (typeof PARTICIPANT_STATES)[number];

export const calls = sqliteTable(
  "calls",
  {
    id: id(),
    workspaceId: workspaceId(),
    createdBy: text("created_by").notNull(),
    type: text("type").$type<CallType>().notNull(),
    status: text("status").$type<CallStatus>().notNull(),
    /** `p2p` (STUN, browsers connect directly) or `sfu` (Cloudflare Realtime). */
    mode: text("mode").$type<"p2p" | "sfu">().notNull(),
    patientId: text("patient_id"),
    version: integer("version").notNull().default(0),
    ringExpiresAt: text("ring_expires_at").notNull(),
    answeredAt: timestamp("answered_at"),
    endedAt: timestamp("ended_at"),
    endedBy: text("ended_by"),
    durationSeconds: integer("duration_seconds"),
    recordingMediaId: text("recording_media_id"),
    recordingBy: text("recording_by"),
    recordingStartedAt: timestamp("recording_started_at"),
    recordingStoppedAt: timestamp("recording_stopped_at"),
    /** The recording's transcript (transcripts row) and its text, encrypted (seed 002 §1.12). */
    transcriptId: text("transcript_id"),
    transcriptionEnc: text("transcription_enc"),
    transcribedAt: timestamp("transcribed_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("calls_workspace_created").on(t.workspaceId, t.createdAt),
    index("calls_workspace_patient").on(t.workspaceId, t.patientId),
  ],
);

export const callParticipants = sqliteTable(
  "call_participants",
  {
    id: id(),
    workspaceId: workspaceId(),
    callId: text("call_id").notNull(),
    userId: text("user_id").notNull(),
    role: text("role").$type<"caller" | "recipient">().notNull(),
    state: text("state").$type<ParticipantState>().notNull(),
    answeredAt: timestamp("answered_at"),
    leftAt: timestamp("left_at"),
    /** The call's creation time, copied so a user's log pages by one index. */
    callCreatedAt: text("call_created_at").notNull(),
  },
  (t) => [
    uniqueIndex("call_participants_call_user").on(t.callId, t.userId),
    index("call_participants_user_created").on(t.userId, t.callCreatedAt),
  ],
);

/** One row per state change of a call; `version` orders them and arbitrates races. */
export const callEvents = sqliteTable(
  "call_events",
  {
    id: id(),
    workspaceId: workspaceId(),
    callId: text("call_id").notNull(),
    version: integer("version").notNull(),
    action: text("action").notNull(),
    fromStatus: text("from_status").$type<CallStatus>(),
    toStatus: text("to_status").$type<CallStatus>().notNull(),
    actorId: text("actor_id"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("call_events_call_version").on(t.callId, t.version)],
);
