/**
 * The movement analysis advanced as chunks arrive, so completing a long session reads back only
 * the chunks the saved analysis does not cover (normally none) instead of every chunk.
 *
 * Where the state lives: one D1 row per session (`session_analysis_states`, the engine's saved
 * text, a few kB, sealed) plus one small row per advance for the growing primary series
 * (`session_analysis_series`, 16 bytes a frame). D1 because the chunk's own read and write
 * batches are already there: the state is read with the overlap check and written in the
 * chunk's write batch, so advancing costs no extra round trip and commits atomically with the
 * chunk row (a crash between storing a chunk and advancing cannot happen; a failed chunk write
 * rolls the advance back). R2 would add a get and a put per chunk. The series is kept apart
 * because it is the only part that grows (a 2-hour session's would pass D1's 2 MB row limit).
 *
 * Invariants (what makes the completion equal the full pass):
 * - The state covers exactly the chunks with `first_ms <= through_ms`, absorbed in time order
 *   (chunks never overlap, so that is frame order). It is written only with a guard on its
 *   `version`, so of two concurrent writers one advances and the other's chunk stays pending.
 * - Completion uses the state only if D1 holds exactly `chunks` chunks up to `through_ms`, the
 *   config and frame size are the ones it was built with, and every series piece is there;
 *   otherwise it runs the full pass. Then it reads the chunks after `through_ms` from R2. So a
 *   retried chunk (a replay: nothing new is absorbed), a chunk arriving late before
 *   `through_ms` (the count differs: full pass), a lost race or a crash (chunks left pending are
 *   read back) all end with the same analysis as the full pass.
 * - Out-of-order chunks are held: a chunk is absorbed only if it starts within GAP_MS of the
 *   state's last frame; the chunk that fills a gap absorbs the held chunks after it (up to
 *   CATCH_UP_MAX read back from R2 per request); what is still held at completion is read then.
 */
import { and, asc, count, eq, gt, gte, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { ResumableAnalysis } from "../../analysis/resumable";
import type { SessionAnalysis } from "../../analysis/types";
import {
  sessionAnalysisSeries,
  sessionAnalysisStates,
  sessionPoseChunks,
} from "../../db/schema/sessions";
import { exerciseTypes } from "../../db/schema/exercises";
import { fromBase64Url, sha256Hex, toBase64Url } from "../../lib/encoding";
import type { Database } from "../../lib/db";
import { insertIfChanged } from "../../lib/guarded-write";
import type { AnalysisConfig } from "../exercise-types/exercise-types.analysis";
import { getChunk, toPoseFrame, type PackedFrame, type StoreDeps } from "./pose.store";

/** Chunks read back from R2 in one upload to absorb held chunks (bounds the request's cost). */
export const CATCH_UP_MAX = 4;
/**
 * A chunk starting further than this after the state's last frame may have a chunk before it
 * still on its way: it is held. Frames of one recording come at least once a second.
 */
export const GAP_MS = 1000;

type StateRow = typeof sessionAnalysisStates.$inferSelect;
type FrameSize = { width: number; height: number };
type ChunkRef = {
  id: string;
  objectKey: string;
  firstMs: number;
  lastMs: number;
  frameCount: number;
};

const stateRef = (sessionId: string) => ({
  table: "session_analysis_states",
  column: "state",
  rowId: sessionId,
});
const seriesRef = (sessionId: string, seq: number) => ({
  table: "session_analysis_series",
  column: "series",
  rowId: `${sessionId}:${seq}`,
});

const configHash = (config: AnalysisConfig) => sha256Hex(JSON.stringify(config));
const sizeOf = (row: { frameWidth: number | null; frameHeight: number | null }) =>
  row.frameWidth && row.frameHeight ? { width: row.frameWidth, height: row.frameHeight } : null;
const sameSize = (a: FrameSize | null | undefined, b: FrameSize | null | undefined) =>
  (a?.width ?? null) === (b?.width ?? null) && (a?.height ?? null) === (b?.height ?? null);
const chunkColumns = {
  id: sessionPoseChunks.id,
  objectKey: sessionPoseChunks.objectKey,
  firstMs: sessionPoseChunks.firstMs,
  lastMs: sessionPoseChunks.lastMs,
  frameCount: sessionPoseChunks.frameCount,
};

/** The state's `through_ms` as SQL (-1 without a state: timestamps are never negative). */
const throughOf = (sessionId: string) =>
  sql`coalesce((select ${sessionAnalysisStates.throughMs} from ${sessionAnalysisStates} where ${sessionAnalysisStates.sessionId} = ${sessionId}), -1)`;

/**
 * What advancing needs, read in the upload's own read batch: the state row, the exercise's
 * config, the chunks after the state (pending, at most CATCH_UP_MAX + 1) and how many chunks
 * the state's span holds in D1.
 */
export function progressReads(db: Database, ws: string, sessionId: string, typeId: string) {
  const c = sessionPoseChunks;
  const mine = and(eq(c.workspaceId, ws), eq(c.sessionId, sessionId));
  return [
    db
      .select()
      .from(sessionAnalysisStates)
      .where(
        and(
          eq(sessionAnalysisStates.sessionId, sessionId),
          eq(sessionAnalysisStates.workspaceId, ws),
        ),
      ),
    db
      .select({ analysis: exerciseTypes.analysis })
      .from(exerciseTypes)
      .where(and(eq(exerciseTypes.id, typeId), eq(exerciseTypes.workspaceId, ws))),
    db
      .select(chunkColumns)
      .from(c)
      .where(and(mine, gt(c.firstMs, throughOf(sessionId))))
      .orderBy(asc(c.firstMs))
      .limit(CATCH_UP_MAX + 1),
    db
      .select({ n: count() })
      .from(c)
      .where(and(mine, lte(c.firstMs, throughOf(sessionId)))),
  ] as const;
}

export type ProgressRead = {
  state: StateRow | undefined;
  config: AnalysisConfig | undefined;
  pending: ChunkRef[];
  covered: number;
};

/**
 * The statements that advance the analysis by the new chunk (and the held chunks it makes
 * contiguous), for the chunk's write batch; none when it must wait (a gap before it, a state
 * that no longer matches). Never throws for a state it cannot use: the state is an optimisation.
 */
export async function advanceStatements(
  deps: StoreDeps,
  ws: string,
  sessionId: string,
  read: ProgressRead,
  chunk: { firstMs: number; lastMs: number; frames: PackedFrame[] },
  frameSize: FrameSize | undefined,
): Promise<BatchItem<"sqlite">[]> {
  const { state, config } = read;
  if (!config) return [];
  const hash = await configHash(config);
  let analysis: ResumableAnalysis;
  let prevLast: number | null = null;
  let chunks = 0;
  let frames = 0;
  if (state) {
    // A state built differently, or missing a chunk in its span, waits for the full pass.
    if (state.configHash !== hash || !sameSize(sizeOf(state), frameSize)) return [];
    if (read.covered !== state.chunks) return [];
    try {
      analysis = ResumableAnalysis.resume(
        config,
        await deps.phi.decrypt(state.stateEnc, stateRef(sessionId)),
      );
    } catch {
      return [];
    }
    prevLast = state.throughMs;
    chunks = state.chunks;
    frames = state.frames;
  } else {
    analysis = ResumableAnalysis.start(config, frameSize ? { frameSize } : {});
  }

  // The held chunks and the new one in time order; past the last pending row read, more
  // pending rows may exist, so nothing after it is known to be contiguous.
  const known = read.pending.slice(0, CATCH_UP_MAX);
  const horizon = read.pending[CATCH_UP_MAX]?.firstMs ?? Infinity;
  type Item = { ref: ChunkRef | null; firstMs: number; lastMs: number; count: number };
  const items: Item[] = known.map((ref) => ({ ref, ...ref, count: ref.frameCount }));
  if (chunk.firstMs < horizon) {
    items.push({ ref: null, ...chunk, count: chunk.frames.length });
  }
  items.sort((a, b) => a.firstMs - b.firstMs);
  let through = prevLast;
  let absorbed = 0;
  for (const item of items) {
    if (through !== null && item.firstMs - through > GAP_MS) break;
    const packed = item.ref ? await getChunk(deps, item.ref.objectKey, item.ref.id) : chunk.frames;
    analysis.push(packed.map((p) => toPoseFrame(p)));
    through = item.lastMs;
    chunks++;
    frames += item.count;
    absorbed++;
  }
  if (absorbed === 0 || through === null) return [];

  const saved = analysis.save();
  const version = (state?.version ?? 0) + 1;
  const now = new Date().toISOString();
  const values = {
    version,
    base: state?.base ?? 1,
    throughMs: through,
    chunks,
    frames,
    configHash: hash,
    frameWidth: frameSize?.width ?? null,
    frameHeight: frameSize?.height ?? null,
    stateEnc: await deps.phi.encrypt(saved.state, stateRef(sessionId)),
    updatedAt: now,
  };
  const st = sessionAnalysisStates;
  const write = state
    ? deps.db
        .update(st)
        .set(values)
        .where(
          and(eq(st.sessionId, sessionId), eq(st.workspaceId, ws), eq(st.version, state.version)),
        )
    : deps.db
        .insert(st)
        .values({ sessionId, workspaceId: ws, ...values })
        .onConflictDoNothing();
  const sealed = await deps.phi.encryptBytes(
    new Uint8Array(saved.series.buffer as ArrayBuffer),
    seriesRef(sessionId, version),
  );
  return [
    write,
    // Only with the state it belongs to: a writer that lost the version race adds no piece.
    insertIfChanged(deps.db, sessionAnalysisSeries, {
      sessionId,
      seq: version,
      workspaceId: ws,
      seriesEnc: toBase64Url(sealed),
    }),
  ];
}

/** Drops a session's saved analysis (after the analysis is stored, or with the session). */
export function dropProgress(db: Database, ws: string, sessionId: string) {
  return [
    db
      .delete(sessionAnalysisSeries)
      .where(
        and(
          eq(sessionAnalysisSeries.sessionId, sessionId),
          eq(sessionAnalysisSeries.workspaceId, ws),
        ),
      ),
    db
      .delete(sessionAnalysisStates)
      .where(
        and(
          eq(sessionAnalysisStates.sessionId, sessionId),
          eq(sessionAnalysisStates.workspaceId, ws),
        ),
      ),
  ] as const;
}

export type CompletedAnalysis = {
  analysis: SessionAnalysis;
  /** The saved state was used (false: the full pass). */
  resumed: boolean;
  /** Chunks read back from R2 for this analysis. */
  chunksRead: number;
};

/**
 * The session's analysis over every stored frame: the saved state and the chunks after it, or
 * the full pass over every chunk when the state is missing or does not match. Returns null when
 * more than `maxFrames` frames would have to be read (the caller queues the work instead).
 */
export async function completeAnalysis(
  deps: StoreDeps,
  ws: string,
  sessionId: string,
  config: AnalysisConfig,
  frameSize: FrameSize | undefined,
  maxFrames = Infinity,
): Promise<CompletedAnalysis | null> {
  const st = sessionAnalysisStates;
  const se = sessionAnalysisSeries;
  const [rows, pieces, all] = await deps.db.batch([
    deps.db
      .select()
      .from(st)
      .where(and(eq(st.sessionId, sessionId), eq(st.workspaceId, ws))),
    deps.db
      .select({ seq: se.seq, seriesEnc: se.seriesEnc })
      .from(se)
      .where(
        and(
          eq(se.sessionId, sessionId),
          eq(se.workspaceId, ws),
          gte(se.seq, sql`(select ${st.base} from ${st} where ${st.sessionId} = ${sessionId})`),
          lte(se.seq, sql`(select ${st.version} from ${st} where ${st.sessionId} = ${sessionId})`),
        ),
      )
      .orderBy(asc(se.seq)),
    deps.db
      .select(chunkColumns)
      .from(sessionPoseChunks)
      .where(and(eq(sessionPoseChunks.workspaceId, ws), eq(sessionPoseChunks.sessionId, sessionId)))
      .orderBy(asc(sessionPoseChunks.firstMs)),
  ]);
  const resumed = await resumeFrom(deps, sessionId, rows[0], pieces, all, config, frameSize);
  const analysis =
    resumed?.analysis ?? ResumableAnalysis.start(config, frameSize ? { frameSize } : {});
  const rest = resumed ? all.filter((c) => c.firstMs > resumed.through) : all;
  if (rest.reduce((n, c) => n + c.frameCount, 0) > maxFrames) return null;
  for (let i = 0; i < rest.length; i += 6) {
    const opened = await Promise.all(
      rest.slice(i, i + 6).map((c) => getChunk(deps, c.objectKey, c.id)),
    );
    for (const packed of opened) analysis.push(packed.map((p) => toPoseFrame(p)));
  }
  return { analysis: analysis.result(), resumed: resumed !== null, chunksRead: rest.length };
}

/** The saved analysis if it matches the stored chunks exactly, else null. */
async function resumeFrom(
  deps: StoreDeps,
  sessionId: string,
  state: StateRow | undefined,
  pieces: { seq: number; seriesEnc: string }[],
  chunks: ChunkRef[],
  config: AnalysisConfig,
  frameSize: FrameSize | undefined,
) {
  if (!state) return null;
  if (state.configHash !== (await configHash(config))) return null;
  if (!sameSize(sizeOf(state), frameSize)) return null;
  const covered = chunks.filter((c) => c.firstMs <= state.throughMs);
  if (covered.length !== state.chunks) return null;
  if (covered.reduce((n, c) => n + c.frameCount, 0) !== state.frames) return null;
  if (pieces.length !== state.version - state.base + 1) return null;
  try {
    const series = await Promise.all(
      pieces.map(
        async (p) =>
          new Float64Array(
            await deps.phi.decryptBytes(fromBase64Url(p.seriesEnc), seriesRef(sessionId, p.seq)),
          ),
      ),
    );
    const text = await deps.phi.decrypt(state.stateEnc, stateRef(sessionId));
    return {
      analysis: ResumableAnalysis.resume(config, text, series),
      through: state.throughMs,
    };
  } catch {
    return null;
  }
}
