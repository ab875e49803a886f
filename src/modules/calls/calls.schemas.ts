/** Request and response schemas of calls and call logs (seed 002 §2.8, §3; snake_case). */
import { z } from "@hono/zod-openapi";
import { CALL_STATUSES, CALL_TYPES, PARTICIPANT_STATES } from "../../db/schema/calls";

export const CallType = z.enum(CALL_TYPES).openapi("CallType");
export const CallStatus = z.enum(CALL_STATUSES).openapi("CallStatus");

export const CallIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

/** The most people one call rings besides the caller (peer-to-peer mesh stays small). */
export const MAX_RECIPIENTS = 7;

export const InitiateCallInput = z
  .object({
    recipient_id: z.uuid().optional().openapi({ description: "One recipient (seed 002)" }),
    recipient_ids: z.array(z.uuid()).min(1).max(MAX_RECIPIENTS).optional(),
    call_type: CallType,
    /** Accepted for compatibility with seed 002; the room is always named by the call id. */
    room_name: z.string().max(128).optional(),
  })
  .refine((v) => (v.recipient_id === undefined) !== (v.recipient_ids === undefined), {
    message: "Give recipient_id or recipient_ids (one of them)",
    path: ["recipient_id"],
  })
  .openapi("InitiateCallInput");
export type InitiateCallInput = z.infer<typeof InitiateCallInput>;

export const IceServer = z
  .object({
    urls: z.array(z.string()),
    username: z.string().optional(),
    credential: z.string().optional(),
  })
  .openapi("IceServer");
export type IceServer = z.infer<typeof IceServer>;

export const CallPerson = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.string(),
    call_role: z.enum(["caller", "recipient"]),
    state: z.enum(PARTICIPANT_STATES),
    answered_at: z.string().nullable(),
  })
  .openapi("CallParticipant");

export const Recording = z
  .object({
    recording_id: z.string(),
    status: z.enum(["recording", "stopped"]),
    upload_status: z.enum(["pending", "uploaded"]).nullable(),
    started_at: z.string().nullable(),
    stopped_at: z.string().nullable(),
    recording_url: z.string().nullable(),
  })
  .openapi("CallRecording");

export const CallView = z
  .object({
    id: z.string(),
    call_id: z.string(),
    room_id: z.string(),
    room_url: z.string().openapi({ description: "The call's signalling socket (path)" }),
    call_type: CallType,
    status: CallStatus,
    mode: z.enum(["p2p", "sfu"]),
    created_by: z.string(),
    patient_id: z.string().nullable(),
    created_at: z.string(),
    ring_expires_at: z.string(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    duration_seconds: z.number().int().nullable(),
    duration: z.string().nullable().openapi({ example: "15m 30s" }),
    participants: z.array(CallPerson),
    recording: Recording.nullable(),
    transcript_id: z.string().nullable().openapi({
      description: "The recording's transcript (GET /transcriptions/{id}: timed spans)",
    }),
    transcription: z.string().nullable().openapi({ description: "POST /calls/{id}/transcribe" }),
    transcribed_at: z.string().nullable(),
    ice_servers: z.array(IceServer),
  })
  .openapi("Call");
export type CallView = z.infer<typeof CallView>;

export const RecordInput = z
  .object({
    action: z.enum(["start", "stop"]),
    content_type: z.string().max(100).optional().openapi({
      description: "Of the recording the client will upload (start); default video/webm",
    }),
    size_bytes: z.number().int().min(1).optional(),
  })
  .openapi("RecordCallInput");
export type RecordInput = z.infer<typeof RecordInput>;

export const RecordResult = z
  .object({
    recording_id: z.string(),
    status: z.enum(["recording", "stopped"]),
    recording_url: z.string().nullable(),
    upload: z
      .object({
        media_id: z.string(),
        upload_url: z.string(),
        method: z.literal("PUT"),
        headers: z.record(z.string(), z.string()),
        max_bytes: z.number(),
        expires_at: z.string(),
      })
      .nullable()
      .openapi({ description: "Where the client PUTs the recording (start only)" }),
  })
  .openapi("RecordCallResult");

export const CallLogQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  /** Seed 002 names the page size `limit`. */
  limit: z.coerce.number().int().min(1).max(100).optional(),
  type: CallType.optional(),
  direction: z.enum(["incoming", "outgoing"]).optional(),
  status: z.enum(["answered", "missed", "declined", "ringing"]).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type CallLogQuery = z.infer<typeof CallLogQuery>;

export const CallLogItem = z
  .object({
    id: z.string(),
    call_id: z.string(),
    direction: z.enum(["incoming", "outgoing"]),
    type: CallType,
    status: z.enum(["answered", "missed", "declined", "ringing"]),
    call_status: CallStatus,
    duration_seconds: z.number().int().nullable(),
    duration: z.string().nullable(),
    created_at: z.string(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    has_recording: z.boolean(),
    peers: z.array(z.object({ id: z.string(), name: z.string(), role: z.string() })),
  })
  .openapi("CallLog");
export type CallLogItem = z.infer<typeof CallLogItem>;

export const TranscribeCallInput = z
  .object({
    media_id: z.string().min(1).max(64).optional().openapi({
      description:
        "An uploaded recording of this call (purpose call_recording, owner { kind: call, id }); defaults to the recording made with POST /calls/{id}/record",
    }),
  })
  .strict()
  .openapi("TranscribeCallInput");
export type TranscribeCallInput = z.infer<typeof TranscribeCallInput>;

/** Seed 002 §2.8 `POST /calls/{id}/transcribe`: the call's stored transcription. */
export const CallTranscription = z
  .object({
    call_id: z.string(),
    transcript_id: z.string(),
    media_id: z.string(),
    transcription: z.string(),
    duration: z.string().nullable().openapi({ example: "15m 30s" }),
    duration_seconds: z.number().nullable(),
    transcribed_at: z.string(),
  })
  .openapi("CallTranscription");
export type CallTranscription = z.infer<typeof CallTranscription>;
