/**
 * Packed pose chunks in R2. A chunk of many frames is one object: the frames packed in binary
 * (pose.binary.ts: float64 timestamps and landmark values, the client's own values as JSON) and
 * encrypted once with the PHI key bound to the chunk's row, because body movement of a named
 * patient is health data. Object keys are ids only. Chunks stored before the binary form (JSON
 * arrays, text-sealed) are still read.
 *
 * Independent of the request context so the queue consumer reads chunks the same way.
 */
import { and, asc, eq, gte, lte } from "drizzle-orm";
import { sessionPoseChunks } from "../../db/schema/sessions";
import { BINARY_V2, type PhiCipher } from "../../lib/crypto/phi";
import { fromUtf8 } from "../../lib/encoding";
import type { Database } from "../../lib/db";
import { BLAZEPOSE_LANDMARKS, type Landmark, type PoseFrame } from "../../analysis/landmarks";
import { decodeChunk, type PackedFrame } from "./pose.binary";

export type { PackedFrame } from "./pose.binary";

export type StoreDeps = { bucket: R2Bucket; phi: PhiCipher; db: Database };

export const chunkKey = (workspaceId: string, sessionId: string, chunkId: string) =>
  `pose/${workspaceId}/${sessionId}/${chunkId}`;
const chunkRef = (chunkId: string) => ({
  table: "session_pose_chunks",
  column: "frames",
  rowId: chunkId,
});

const unflat = (values: ArrayLike<number>, named: boolean): Landmark[] => {
  const out: Landmark[] = [];
  for (let i = 0; i < values.length; i += 4) {
    const l: Landmark = {
      x: values[i]!,
      y: values[i + 1]!,
      z: values[i + 2]!,
      visibility: values[i + 3]!,
    };
    out.push(named ? { type: BLAZEPOSE_LANDMARKS[i / 4], ...l } : l);
  }
  return out;
};

/** A packed frame as the analysis reads it. */
export const toPoseFrame = (p: PackedFrame, named = false): PoseFrame => ({
  timestamp: p[0],
  landmarks: unflat(p[1], named),
  ...(p[2] && { world_landmarks: unflat(p[2], named) }),
});

/** Seals and stores a chunk's packed bytes (one encryption per chunk). */
export async function putChunk(
  deps: StoreDeps,
  key: string,
  chunkId: string,
  packed: Uint8Array<ArrayBuffer>,
) {
  const sealed = await deps.phi.encryptBytes(packed, chunkRef(chunkId));
  await deps.bucket.put(key, sealed, { httpMetadata: { contentType: "application/octet-stream" } });
}

/** Reads and opens one chunk; a missing object is a storage fault (thrown, retried by callers). */
export async function getChunk(deps: StoreDeps, key: string, chunkId: string) {
  const object = await deps.bucket.get(key);
  if (!object) throw new Error("Pose chunk object missing");
  const bytes = new Uint8Array(await object.arrayBuffer());
  if (bytes[0] === BINARY_V2)
    return decodeChunk(await deps.phi.decryptBytes(bytes, chunkRef(chunkId)));
  // A chunk stored before the binary form: JSON arrays, sealed as text.
  return JSON.parse(await deps.phi.decrypt(fromUtf8(bytes), chunkRef(chunkId))) as PackedFrame[];
}

/** Chunks of a session overlapping [fromMs, toMs] (absolute), in time order. */
export function chunksBetween(
  db: Database,
  workspaceId: string,
  sessionId: string,
  fromMs = -Infinity,
  toMs = Infinity,
) {
  return db
    .select()
    .from(sessionPoseChunks)
    .where(
      and(
        eq(sessionPoseChunks.workspaceId, workspaceId),
        eq(sessionPoseChunks.sessionId, sessionId),
        Number.isFinite(fromMs) ? gte(sessionPoseChunks.lastMs, fromMs) : undefined,
        Number.isFinite(toMs) ? lte(sessionPoseChunks.firstMs, toMs) : undefined,
      ),
    )
    .orderBy(asc(sessionPoseChunks.firstMs));
}

/** Every frame of a session in time order (for the analysis): reads chunks a few at a time. */
export async function loadSessionFrames(deps: StoreDeps, workspaceId: string, sessionId: string) {
  const chunks = await chunksBetween(deps.db, workspaceId, sessionId);
  const frames: PackedFrame[] = [];
  for (let i = 0; i < chunks.length; i += 6) {
    const batch = chunks.slice(i, i + 6);
    const opened = await Promise.all(batch.map((c) => getChunk(deps, c.objectKey, c.id)));
    for (const packed of opened) frames.push(...packed);
  }
  return frames;
}
