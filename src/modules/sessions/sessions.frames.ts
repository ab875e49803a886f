/**
 * Pose data verbs: `POST /sessions/{id}/data` (a chunk of frames) and `GET /sessions/{id}/frames`
 * (a time window). A chunk is identified by its first timestamp: a retry with the same frames
 * answers the stored result (never a second copy), other frames at that start are a 409, and so
 * is a chunk overlapping another in time. The object is written before its row: a row always has
 * its data; an interrupted upload leaves at most an unreferenced object (overwritten on retry).
 */
import { and, eq, sql } from "drizzle-orm";
import { exerciseSessions, sessionPoseChunks } from "../../db/schema/sessions";
import { auditEntry, recordAudit } from "../../lib/audit";
import { isUniqueViolation } from "../../lib/db";
import { toHex } from "../../lib/encoding";
import { ConflictError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { decodeChunk, encodeChunk } from "./pose.binary";
import { MAX_FRAMES_PER_SESSION, type FramesQuery, type PoseChunkInput } from "./pose.schemas";
import { chunkKey, chunksBetween, getChunk, putChunk, toPoseFrame } from "./pose.store";
import { parsePoseChunk, type ParsedChunk } from "./pose.validate";
import { accessSession, RESOURCE } from "./sessions.access";
import type { SessionRow } from "./sessions.data";
import { advanceStatements, progressReads } from "./sessions.progress";
import { acceptsFrames } from "./sessions.status";
import { liveBufferedFrames } from "../live/live.buffer";

const UPLOADED = "pose_data.uploaded" as const;
const READ = "pose_data.read" as const;

/** Why the session takes no more frames (status, frame size, length), or null. */
function sessionRefusal(session: SessionRow, input: ParsedChunk) {
  if (!acceptsFrames(session.status)) {
    return new ConflictError(`A ${session.status} session accepts no more frames`, [
      { field: "status", message: `Session is ${session.status}` },
    ]);
  }
  const size = input.frame_size;
  if (
    size &&
    session.frameWidth &&
    (size.width !== session.frameWidth || size.height !== session.frameHeight)
  ) {
    return new ValidationError([
      {
        field: "frame_size",
        message: `The session's frames are ${session.frameWidth}×${session.frameHeight}`,
      },
    ]);
  }
  if (session.frameCount + input.count > MAX_FRAMES_PER_SESSION) {
    return new ValidationError([
      { field: "frames", message: `A session holds at most ${MAX_FRAMES_PER_SESSION} frames` },
    ]);
  }
  return null;
}

const storeOf = (ctx: RequestContext) => ({ bucket: ctx.env.MEDIA, phi: ctx.phi, db: ctx.db.orm });

/**
 * Stores one chunk of pose frames (seed 000 §2, validated by `parsePoseChunk`); idempotent per
 * chunk: the same frames at the same start answer the stored chunk. Frames as objects (the live
 * room's) go through the same check first.
 */
export async function uploadPoseChunk(
  ctx: RequestContext,
  sessionId: string,
  chunk: ParsedChunk | PoseChunkInput,
) {
  const input = "frames" in chunk ? parsePoseChunk(chunk) : chunk;
  const caller = callerOf(ctx);
  const { session } = await accessSession(ctx, sessionId, "write", UPLOADED);
  const ws = caller.workspaceId;
  const n = input.count;
  const first = input.timestamps[0]!;
  const last = input.timestamps[n - 1]!;
  const packed = encodeChunk(input);
  const hash = toHex(await crypto.subtle.digest("SHA-256", packed));
  const result = (chunkId: string, replayed: boolean, total: number, status: string) => ({
    session_id: sessionId,
    chunk_id: chunkId,
    frames_received: n,
    first_timestamp: first,
    last_timestamp: last,
    total_frames: total,
    status,
    replayed,
  });

  const refusal = sessionRefusal(session, input);
  // The common case (a new chunk the session accepts) stores the object while D1 is asked for
  // overlapping chunks: one round trip fewer per chunk. A replay or an overlap then removes
  // the unreferenced object; a refused session stores nothing.
  const chunkId = uuidv7();
  const key = chunkKey(ws, sessionId, chunkId);
  const stored = refusal ? null : putChunk(storeOf(ctx), key, chunkId, packed);
  stored?.catch(() => undefined); // awaited below; this only keeps the rejection handled
  const discard = async () => {
    if (!stored) return;
    await stored.catch(() => undefined);
    await ctx.env.MEDIA.delete(key);
  };
  // The analysis so far rides along (sessions.progress.ts): advancing it costs no round trip.
  const [overlapping, states, types, pending, [covered]] = await ctx.db.read([
    chunksBetween(ctx.db.orm, ws, sessionId, first, last),
    ...progressReads(ctx.db.orm, ws, sessionId, session.exerciseTypeId),
  ]);
  const same = overlapping.find((c) => c.firstMs === first);
  if (same && same.contentHash === hash && same.lastMs === last) {
    await discard();
    await recordAudit(ctx, {
      action: UPLOADED,
      resourceType: RESOURCE,
      resourceId: sessionId,
      metadata: { chunk_id: same.id, idempotent_replay: true },
    });
    return result(same.id, true, session.frameCount, session.status);
  }
  if (overlapping.length > 0) {
    await discard();
    throw new ConflictError("These frames overlap frames already stored for this session", [
      { field: "frames", message: `Overlaps the chunk starting at ${overlapping[0]!.firstMs}` },
    ]);
  }
  if (refusal) throw refusal;
  await stored;
  const size = input.frame_size;
  const frameSize = session.frameWidth
    ? { width: session.frameWidth, height: session.frameHeight! }
    : size;
  const advance = await advanceStatements(
    storeOf(ctx),
    ws,
    sessionId,
    { state: states[0], config: types[0]?.analysis, pending, covered: covered?.n ?? 0 },
    { firstMs: first, lastMs: last, frames: decodeChunk(packed.buffer) },
    frameSize,
  );
  const now = new Date().toISOString();
  const audit = await auditEntry(ctx, {
    action: UPLOADED,
    resourceType: RESOURCE,
    resourceId: sessionId,
    metadata: { patient_id: session.patientId, chunk_id: chunkId, frames: n },
  });
  const s = exerciseSessions;
  try {
    await ctx.db.write([
      ctx.db.orm.insert(sessionPoseChunks).values({
        id: chunkId,
        workspaceId: ws,
        sessionId,
        firstMs: first,
        lastMs: last,
        frameCount: n,
        hasWorld: input.world !== null,
        objectKey: key,
        contentHash: hash,
        createdAt: now,
      }),
      ctx.db.orm
        .update(s)
        .set({
          frameCount: sql`${s.frameCount} + ${n}`,
          chunkCount: sql`${s.chunkCount} + 1`,
          firstFrameMs: sql`min(coalesce(${s.firstFrameMs}, ${first}), ${first})`,
          lastFrameMs: sql`max(coalesce(${s.lastFrameMs}, ${last}), ${last})`,
          status: "recording",
          startedAt: sql`coalesce(${s.startedAt}, ${now})`,
          ...(size && !session.frameWidth && { frameWidth: size.width, frameHeight: size.height }),
          updatedAt: now,
        })
        .where(and(eq(s.id, sessionId), eq(s.workspaceId, ws))),
      audit.query,
      ...advance,
    ]);
  } catch (error) {
    // A concurrent retry of the same chunk won the insert: drop our copy, answer like a replay.
    await ctx.env.MEDIA.delete(key);
    if (isUniqueViolation(error)) {
      throw new ConflictError("This chunk is being stored by another request; retry", [
        { field: "frames", message: "Concurrent upload of the same chunk" },
      ]);
    }
    throw error;
  }
  return result(chunkId, false, session.frameCount + n, "recording");
}

/** Frames in [from_ms, to_ms] (offsets from the first frame), at most `limit`; continue at next_from_ms. */
export async function framesWindow(ctx: RequestContext, sessionId: string, query: FramesQuery) {
  const caller = callerOf(ctx);
  const { session } = await accessSession(ctx, sessionId, "read", READ);
  if (query.to_ms !== undefined && query.to_ms < query.from_ms) {
    throw new ValidationError([{ field: "query.to_ms", message: "Must not be before from_ms" }]);
  }
  // A session still taking frames may have some only in its live room's buffer: read that
  // BEFORE the chunks, so a chunk the room ships meanwhile is found in one or the other.
  const buffered = acceptsFrames(session.status)
    ? await liveBufferedFrames(ctx.env, sessionId)
    : [];
  const base = session.firstFrameMs ?? buffered[0]?.[0] ?? 0;
  const from = base + query.from_ms;
  const to = query.to_ms !== undefined ? base + query.to_ms : Infinity;
  const [chunks] = await ctx.db.read([
    chunksBetween(ctx.db.orm, caller.workspaceId, sessionId, from, to),
  ]);
  const frames = [];
  let next: number | null = null;
  let newest = -Infinity;
  async function* stored() {
    for (const chunk of chunks) yield* await getChunk(storeOf(ctx), chunk.objectKey, chunk.id);
    // Shipped but not yet dropped by the room: already read from its chunk.
    for (const p of buffered) if (p[0] > newest) yield p;
  }
  outer: for await (const p of stored()) {
    newest = Math.max(newest, p[0]);
    if (p[0] < from || p[0] > to) continue;
    if (frames.length === query.limit) {
      next = p[0] - base;
      break outer;
    }
    frames.push({
      ...toPoseFrame(p, true),
      offset_ms: p[0] - base,
      ...(p[3] && { client: p[3] }),
    });
  }
  await recordAudit(ctx, {
    action: READ,
    resourceType: RESOURCE,
    resourceId: sessionId,
    metadata: { patient_id: session.patientId, frames: frames.length },
  });
  return {
    session_id: sessionId,
    from_ms: query.from_ms,
    to_ms: query.to_ms ?? null,
    frames,
    next_from_ms: next,
  };
}
