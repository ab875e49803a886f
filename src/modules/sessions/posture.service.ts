/**
 * Posture analyses (seed 003): the score comes from the analysis module's `postureScore` over
 * the landmarks sent, when sent (the seed's client sends only a video and notes); the landmarks,
 * notes and video reference are stored encrypted. A `video_url` is a reference, never fetched; a
 * `media_id` must be an uploaded image or video of the same patient the caller may read. A patient saves their own;
 * care-team staff save for their patients. Reads follow the patient policy; family sees none.
 */
import { and, count, desc, eq, isNull } from "drizzle-orm";
import { postureScore } from "../../analysis/posture";
import { patients } from "../../db/schema/patients";
import { postureAnalyses } from "../../db/schema/sessions";
import { auditEntry, recordAudit, type AuditAction } from "../../lib/audit";
import { ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { offsetOf } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, patientVisibility } from "../../policy/policy";
import { accessMedia } from "../media/media.access";
import type { CreatePostureInput, PostureQuery } from "./posture.schemas";

type Row = typeof postureAnalyses.$inferSelect;
const RESOURCE = "posture_analysis";
const ref = (id: string, column: string) => ({ table: "posture_analyses", column, rowId: id });

const present = async (ctx: RequestContext, r: Row) => ({
  id: r.id,
  analysis_id: r.id,
  patient_id: r.patientId,
  posture_score: r.score,
  parts: r.parts,
  cues: r.cues,
  text: await ctx.phi.decryptOptional(r.textEnc, ref(r.id, "text")),
  media_id: r.mediaId,
  video_url: await ctx.phi.decryptOptional(r.videoUrlEnc, ref(r.id, "video_url")),
  frame_size: r.frameWidth && r.frameHeight ? { width: r.frameWidth, height: r.frameHeight } : null,
  created_by: r.createdBy,
  created_at: r.createdAt,
});

/** The patient record of the calling patient (their own), or a 422 for staff without one. */
async function targetPatient(ctx: RequestContext, given: string | undefined) {
  const caller = callerOf(ctx);
  if (given) return given;
  if (caller.role !== "patient") {
    throw new ValidationError([
      { field: "patient_id", message: "Required unless you are the patient" },
    ]);
  }
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: patients.id })
      .from(patients)
      .where(
        and(
          eq(patients.workspaceId, caller.workspaceId),
          eq(patients.userId, caller.userId),
          isNull(patients.deletedAt),
        ),
      )
      .limit(1),
  ]);
  if (!rows[0]) throw new NotFoundError("Patient");
  return rows[0].id;
}

/** Scores and saves a posture (`POST /posture-analyses`, `POST /analysis/save`). */
export async function createPostureAnalysis(ctx: RequestContext, input: CreatePostureInput) {
  const caller = callerOf(ctx);
  const action = "posture_analysis.created" as const;
  const patientId = await targetPatient(ctx, input.patient_id);
  await accessPatient(ctx, patientId, "write", { action });
  if (input.media_id) await checkMedia(ctx, input.media_id, patientId);
  const result = input.landmarks ? postureScore(input.landmarks, input.frame_size) : null;
  if (result && !Number.isFinite(result.score)) {
    throw new ValidationError([
      { field: "landmarks", message: "No posture can be read from these landmarks" },
    ]);
  }
  const id = uuidv7();
  const row: Row = {
    id,
    workspaceId: caller.workspaceId,
    patientId,
    createdBy: caller.userId,
    score: result?.score ?? null,
    parts: (result?.parts ?? {}) as unknown as Record<string, unknown>,
    cues: result?.cues ?? [],
    landmarksEnc: input.landmarks
      ? await ctx.phi.encrypt(JSON.stringify(input.landmarks), ref(id, "landmarks"))
      : null,
    textEnc: await ctx.phi.encryptOptional(input.text, ref(id, "text")),
    mediaId: input.media_id ?? null,
    videoUrlEnc: await ctx.phi.encryptOptional(input.video_url, ref(id, "video_url")),
    frameWidth: input.frame_size?.width ?? null,
    frameHeight: input.frame_size?.height ?? null,
    createdAt: new Date().toISOString(),
  };
  const audit = await auditEntry(ctx, {
    action,
    resourceType: RESOURCE,
    resourceId: id,
    metadata: {
      patient_id: patientId,
      fields: Object.keys(input).filter((k) => k !== "patient_id"),
      media_id: input.media_id ?? null,
    },
  });
  await ctx.db.write([ctx.db.orm.insert(postureAnalyses).values(row), audit.query]);
  return { message: "Analysis saved successfully", ...(await present(ctx, row)) };
}

/**
 * An uploaded image or video the caller may read (through its owner's rule), of this patient:
 * anything else is a 422 on `media_id` (an unreadable one answers like an unknown one).
 */
async function checkMedia(ctx: RequestContext, mediaId: string, patientId: string) {
  const problem = (message: string) => new ValidationError([{ field: "media_id", message }]);
  let media;
  try {
    media = await accessMedia(ctx, mediaId, "read");
  } catch (err) {
    if (err instanceof NotFoundError) throw problem("No such media");
    throw err;
  }
  if (media.status !== "uploaded") throw problem("Not uploaded yet");
  if (!/^(image|video)\//.test(media.contentType)) throw problem("Not an image or a video");
  if (media.patientId !== patientId) throw problem("Not a recording of this patient");
}

async function loadPosture(
  ctx: RequestContext,
  id: string,
  action: AuditAction,
  access: "read" | "write",
) {
  const caller = callerOf(ctx);
  // Family is never given posture analyses (no scope covers them): refused before the lookup,
  // with the same 404 as an unknown id.
  if (caller.role === "family") {
    await recordAudit(ctx, {
      action,
      resourceType: RESOURCE,
      resourceId: id,
      outcome: "denied",
      metadata: { reason: "role" },
    });
    throw new NotFoundError("Analysis");
  }
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(postureAnalyses)
      .where(and(eq(postureAnalyses.id, id), eq(postureAnalyses.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  const row = rows[0];
  if (!row) {
    await recordAudit(ctx, {
      action,
      resourceType: RESOURCE,
      resourceId: id,
      outcome: "not_found",
    });
    throw new NotFoundError("Analysis");
  }
  try {
    await accessPatient(ctx, row.patientId, access, { action });
  } catch (err) {
    // Outside the relation (audited by accessPatient): the same answer as an unknown analysis.
    if (err instanceof NotFoundError) throw new NotFoundError("Analysis");
    throw err;
  }
  return row;
}

/** One posture analysis. */
export async function getPostureAnalysis(ctx: RequestContext, id: string) {
  const action = "posture_analysis.read" as const;
  const row = await loadPosture(ctx, id, action, "read");
  await recordAudit(ctx, {
    action,
    resourceType: RESOURCE,
    resourceId: id,
    metadata: { patient_id: row.patientId },
  });
  return present(ctx, row);
}

/** Deletes a posture analysis (its patient, their care team, admins). */
export async function deletePostureAnalysis(ctx: RequestContext, id: string) {
  const caller = callerOf(ctx);
  const action = "posture_analysis.deleted" as const;
  const row = await loadPosture(ctx, id, action, "write");
  const audit = await auditEntry(ctx, {
    action,
    resourceType: RESOURCE,
    resourceId: id,
    metadata: { patient_id: row.patientId },
  });
  await ctx.db.write([
    ctx.db.orm
      .delete(postureAnalyses)
      .where(and(eq(postureAnalyses.id, id), eq(postureAnalyses.workspaceId, caller.workspaceId))),
    audit.query,
  ]);
  return { message: "Analysis deleted successfully" };
}

/** Posture analyses of the patients the caller sees, newest first. */
export async function listPostureAnalyses(ctx: RequestContext, query: PostureQuery) {
  const caller = callerOf(ctx);
  const action = "posture_analysis.listed" as const;
  if (caller.role === "family") {
    await recordAudit(ctx, { action, resourceType: RESOURCE, outcome: "denied" });
    throw new ForbiddenError();
  }
  const filter = and(
    eq(postureAnalyses.workspaceId, caller.workspaceId),
    isNull(patients.deletedAt),
    patientVisibility(caller),
    query.patient_id ? eq(postureAnalyses.patientId, query.patient_id) : undefined,
  )!;
  const [rows, total] = await ctx.db.read([
    ctx.db.orm
      .select({ analysis: postureAnalyses })
      .from(postureAnalyses)
      .innerJoin(patients, eq(patients.id, postureAnalyses.patientId))
      .where(filter)
      .orderBy(desc(postureAnalyses.createdAt), desc(postureAnalyses.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm
      .select({ n: count() })
      .from(postureAnalyses)
      .innerJoin(patients, eq(patients.id, postureAnalyses.patientId))
      .where(filter),
  ]);
  const items = await Promise.all(rows.map((r) => present(ctx, r.analysis as Row)));
  await recordAudit(ctx, { action, resourceType: RESOURCE, metadata: { count: items.length } });
  return { items, total: total[0]?.n ?? 0 };
}
