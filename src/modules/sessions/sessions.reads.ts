/**
 * Reading sessions. Every read is audited (sessions are patient data), denials included. Lists
 * are limited to patients the caller sees (`patientVisibility` with the `session_summaries`
 * scope); family members get summaries only.
 */
import { and, count, desc, eq, gte, isNull, lte, type SQL } from "drizzle-orm";
import { exerciseTypes } from "../../db/schema/exercises";
import { patients } from "../../db/schema/patients";
import { exerciseSessions, sessionReviews } from "../../db/schema/sessions";
import { users } from "../../db/schema/users";
import { recordAudit } from "../../lib/audit";
import { offsetOf } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { patientVisibility, requirePermission } from "../../policy/policy";
import { patientRef } from "../patients/patients.data";
import { accessSession, RESOURCE } from "./sessions.access";
import {
  presentPoseData,
  presentReview,
  presentSession,
  presentSummary,
  type SessionRow,
} from "./sessions.data";
import { sessionVideoUrl } from "./sessions.media";
import type { OwnSessionQuery, SessionQuery } from "./sessions.schemas";

const READ = "exercise_session.read" as const;
const LISTED = "exercise_session.listed" as const;

/** The review of a session with its reviewer's name, or null. */
export async function reviewOf(ctx: RequestContext, sessionId: string) {
  const ws = callerOf(ctx).workspaceId;
  const [reviews] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(sessionReviews)
      .where(and(eq(sessionReviews.sessionId, sessionId), eq(sessionReviews.workspaceId, ws)))
      .limit(1),
  ]);
  const review = reviews[0];
  if (!review) return null;
  const [reviewers] = await ctx.db.read([
    ctx.db.orm
      .select({ id: users.id, nameEnc: users.nameEnc })
      .from(users)
      .where(and(eq(users.id, review.reviewerId), eq(users.workspaceId, ws)))
      .limit(1),
  ]);
  const r = reviewers[0];
  const name = r
    ? await ctx.phi.decrypt(r.nameEnc, { table: "users", column: "name", rowId: r.id })
    : null;
  return { row: review, view: await presentReview(ctx.phi, review, name) };
}

/** Seed 000 §3: the physio view (session, pose_data, review); a summary for family. */
export async function getSession(ctx: RequestContext, id: string) {
  const { session, type, patient, summaryOnly } = await accessSession(ctx, id, "summary", READ);
  const review = await reviewOf(ctx, id);
  await recordAudit(ctx, {
    action: READ,
    resourceType: RESOURCE,
    resourceId: id,
    metadata: { patient_id: session.patientId, ...(summaryOnly && { summary_only: true }) },
  });
  if (summaryOnly) return presentSummary(session, type, review?.row.overallAssessment ?? null);
  const [first, last] = await Promise.all([
    ctx.phi.decrypt(patient.firstNameEnc, patientRef(patient.id, "first_name")),
    ctx.phi.decrypt(patient.lastNameEnc, patientRef(patient.id, "last_name")),
  ]);
  return {
    session: await presentSession(ctx.phi, session, type, {
      patientName: `${first} ${last}`,
      videoUrl: await sessionVideoUrl(ctx, session.videoMediaId),
    }),
    pose_data: presentPoseData(session),
    review: review?.view ?? null,
  };
}

/** Sessions the caller may see, newest first, with filters; summaries for family. */
export async function listSessions(ctx: RequestContext, query: SessionQuery, extra?: SQL) {
  const caller = callerOf(ctx);
  const s = exerciseSessions;
  const filter = and(
    eq(s.workspaceId, caller.workspaceId),
    isNull(patients.deletedAt),
    patientVisibility(caller, "session_summaries"),
    query.patient_id ? eq(s.patientId, query.patient_id) : undefined,
    query.status ? eq(s.status, query.status) : undefined,
    query.exercise_type ? eq(exerciseTypes.slug, query.exercise_type) : undefined,
    query.assignment_id ? eq(s.assignmentId, query.assignment_id) : undefined,
    query.from ? gte(s.createdAt, new Date(query.from).toISOString()) : undefined,
    query.to ? lte(s.createdAt, new Date(query.to).toISOString()) : undefined,
    extra,
  )!;
  const typeJoin = and(
    eq(exerciseTypes.id, s.exerciseTypeId),
    eq(exerciseTypes.workspaceId, s.workspaceId),
  );
  // Only session columns plus uniquely named ones: D1 batch rows are keyed by column name.
  const [rows, total] = await ctx.db.read([
    ctx.db.orm
      .select({
        session: s,
        slug: exerciseTypes.slug,
        name: exerciseTypes.name,
        assessment: sessionReviews.overallAssessment,
      })
      .from(s)
      .innerJoin(patients, eq(patients.id, s.patientId))
      .innerJoin(exerciseTypes, typeJoin)
      .leftJoin(
        sessionReviews,
        and(eq(sessionReviews.sessionId, s.id), eq(sessionReviews.workspaceId, s.workspaceId)),
      )
      .where(filter)
      .orderBy(desc(s.createdAt), desc(s.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm
      .select({ n: count() })
      .from(s)
      .innerJoin(patients, eq(patients.id, s.patientId))
      .innerJoin(exerciseTypes, typeJoin)
      .where(filter),
  ]);
  const items = await Promise.all(
    rows.map(async (r) => {
      const type = { slug: r.slug, name: r.name };
      const row = r.session as SessionRow;
      if (caller.role === "family") return presentSummary(row, type, r.assessment);
      return { ...(await presentSession(ctx.phi, row, type)), rep_count: row.repCount };
    }),
  );
  const totalItems = total[0]?.n ?? 0;
  await recordAudit(ctx, {
    action: LISTED,
    resourceType: RESOURCE,
    metadata: {
      count: items.length,
      total: totalItems,
      ...(query.patient_id && { patient_id: query.patient_id }),
    },
  });
  return { items, total: totalItems };
}

/**
 * Seed 000 `GET /patients/sessions`: the calling patient's own exercise sessions (patients only;
 * anyone else gets an audited 403). `patientVisibility` already limits a patient to their own
 * record, so this is the list with the role check in front.
 */
export async function listOwnSessions(ctx: RequestContext, query: OwnSessionQuery) {
  await requirePermission(ctx, "sessions.own", { action: LISTED, resourceType: RESOURCE });
  return listSessions(ctx, query);
}
