/**
 * Recording a call (seed 002 `POST /calls/{id}/record`): the client records (MediaRecorder) and
 * uploads the file through the media module, as a `call_recording` owned by the call.
 *
 * Invariants: only staff on the call start or stop a recording, and only while it is active; a
 * call has at most one recording. Start and stop are state changes like any other (version-guarded,
 * audited, a `call_events` row) and the room tells every participant (`call:state` with
 * `recording`), so a patient always knows when they are recorded. The media owner kind `call`
 * applies the call's own rules: any participant reads the recording, staff participants write it.
 */
import { and, eq } from "drizzle-orm";
import { callEvents, calls } from "../../db/schema/calls";
import { follow, guardedWrite } from "../../lib/guarded-write";
import { isUniqueViolation } from "../../lib/db";
import { ConflictError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { getMedia, issueDownload, issueUpload, type MediaAccessMode } from "../media/media.service";
import { accessCall, RESOURCE, type CallRow } from "./calls.access";
import { callRoom } from "./calls.events";
import type { CallView, RecordInput } from "./calls.schemas";

/** The `call` media owner (listed in media.owners.ts): the call's own rules. */
export async function callMediaOwner(ctx: RequestContext, ownerId: string, mode: MediaAccessMode) {
  const { call } = await accessCall(
    ctx,
    ownerId,
    mode === "write" ? "call.recording_started" : "call.read",
    mode === "write" ? "calls.record" : "calls.use",
  );
  return { patientId: call.patientId };
}

/** The call's recording as responses show it; a download link only once uploaded. */
export async function recordingView(
  ctx: RequestContext,
  call: CallRow,
): Promise<CallView["recording"]> {
  if (!call.recordingMediaId) return null;
  const media = await getMedia(ctx, call.recordingMediaId);
  const uploaded = media?.status === "uploaded";
  return {
    recording_id: call.recordingMediaId,
    status: call.recordingStoppedAt ? "stopped" : "recording",
    upload_status: media?.status ?? null,
    started_at: call.recordingStartedAt,
    stopped_at: call.recordingStoppedAt,
    recording_url: uploaded ? (await issueDownload(ctx, call.recordingMediaId)).url : null,
  };
}

/**
 * Starts (issuing the upload the client sends the file to) or stops the recording of an active
 * call. Throws 403 (not staff), 404 (not on the call), 409 (not active, already recorded, not
 * recording), 422 (content type or size the `call_recording` purpose refuses).
 */
export async function recordCall(ctx: RequestContext, callId: string, input: RecordInput) {
  const action = input.action === "start" ? "call.recording_started" : "call.recording_stopped";
  const { call } = await accessCall(ctx, callId, action, "calls.record");
  const actorId = ctx.caller!.userId;
  const now = new Date().toISOString();
  let upload = null;
  const set: Partial<CallRow> = { version: call.version + 1, updatedAt: now };
  if (input.action === "start") {
    if (call.status !== "active") throw conflict(`A ${call.status} call cannot be recorded`);
    if (call.recordingMediaId) throw conflict("This call already has a recording");
    upload = await issueUpload(ctx, {
      purpose: "call_recording",
      content_type: input.content_type ?? (call.type === "video" ? "video/webm" : "audio/webm"),
      ...(input.size_bytes !== undefined && { size_bytes: input.size_bytes }),
      owner: { kind: "call", id: callId },
    });
    Object.assign(set, {
      recordingMediaId: upload.media_id,
      recordingBy: actorId,
      recordingStartedAt: now,
    });
  } else {
    if (!call.recordingStartedAt || call.recordingStoppedAt) throw conflict("Not recording");
    set.recordingStoppedAt = now;
  }
  const db = ctx.db.orm;
  try {
    // The version guard, with the event row and the entry following it: a lost race writes none.
    const { changed } = await guardedWrite(ctx, {
      change: db
        .update(calls)
        .set(set)
        .where(and(eq(calls.id, callId), eq(calls.version, call.version))),
      audit: {
        action,
        resourceType: RESOURCE,
        resourceId: callId,
        metadata: {
          patient_id: call.patientId,
          media_id: set.recordingMediaId ?? call.recordingMediaId,
        },
      },
      rows: [
        follow(callEvents, {
          id: uuidv7(),
          workspaceId: call.workspaceId,
          callId,
          version: call.version + 1,
          action: input.action === "start" ? "record_start" : "record_stop",
          fromStatus: call.status,
          toStatus: call.status,
          actorId,
          createdAt: now,
        }),
      ],
    });
    if (!changed) throw conflict("The call changed meanwhile");
  } catch (error) {
    if (isUniqueViolation(error, "call_events")) throw conflict("The call changed meanwhile");
    throw error;
  }
  const next = { ...call, ...set } as CallRow;
  await (
    await callRoom(ctx.env, callId)
  )
    .recording({ recording: input.action === "start", by: actorId })
    .catch(() => undefined);
  const view = await recordingView(ctx, next);
  return {
    recording_id: next.recordingMediaId!,
    status: input.action === "start" ? ("recording" as const) : ("stopped" as const),
    recording_url: view?.recording_url ?? null,
    upload,
  };
}

const conflict = (message: string) => new ConflictError(message, [{ field: "action", message }]);
