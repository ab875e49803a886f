/**
 * The physiotherapist's side: the patients they follow, the sessions awaiting review, and the
 * review itself (one per session, review_pending → reviewed). Reviews are written by clinicians
 * on the patient's care team (`sessions.review` + write access to the patient).
 */
import { and, count, eq, inArray, isNull, max, sql } from "drizzle-orm";
import { patients } from "../../db/schema/patients";
import { exerciseSessions, sessionReviews } from "../../db/schema/sessions";
import { users } from "../../db/schema/users";
import { recordAudit } from "../../lib/audit";
import { follow, guardedWrite } from "../../lib/guarded-write";
import { isUniqueViolation } from "../../lib/db";
import { ConflictError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { offsetOf, type PageQuery } from "../../lib/pagination";
import type { RequestContext } from "../../middleware/request-context";
import { patientVisibility, requirePermission } from "../../policy/policy";
import { patientSummaryColumns, presentPatientSummary } from "../patients/patients.data";
import type { CreateReviewInput, ReviewQueueQuery } from "./review.schemas";
import { accessSession } from "./sessions.access";
import { presentReview, reviewRef } from "./sessions.data";
import { listSessions } from "./sessions.reads";

const REVIEWED = "session_review.created" as const;

/** Patients the caller follows with their session counts (seed 000 `GET /physio/patients`). */
export async function listPhysioPatients(ctx: RequestContext, query: PageQuery) {
  const caller = await requirePermission(ctx, "sessions.review_queue", {
    action: "patient.listed",
    resourceType: "patient",
  });
  const s = exerciseSessions;
  const filter = and(isNull(patients.deletedAt), patientVisibility(caller))!;
  const [rows, total] = await ctx.db.read([
    ctx.db.orm
      .select(patientSummaryColumns)
      .from(patients)
      .where(filter)
      .orderBy(patients.createdAt)
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm.select({ n: count() }).from(patients).where(filter),
  ]);
  // Counts in a second, grouped query: no correlated subqueries with ambiguous column names.
  const [stats] = rows.length
    ? await ctx.db.read([
        ctx.db.orm
          .select({
            patientId: s.patientId,
            sessionsTotal: count(),
            pendingReview: sql<number>`sum(case when ${s.status} = 'review_pending' then 1 else 0 end)`,
            lastSessionAt: max(s.createdAt),
          })
          .from(s)
          .where(
            and(
              eq(s.workspaceId, caller.workspaceId),
              inArray(
                s.patientId,
                rows.map((r) => r.id),
              ),
            ),
          )
          .groupBy(s.patientId),
      ])
    : [[]];
  const items = await Promise.all(
    rows.map(async (r) => {
      const p = await presentPatientSummary(ctx.phi, r);
      const stat = stats.find((x) => x.patientId === r.id);
      return {
        id: p.id,
        name: p.name,
        mrn: p.mrn,
        sessions_total: Number(stat?.sessionsTotal ?? 0),
        sessions_pending_review: Number(stat?.pendingReview ?? 0),
        last_session_at: stat?.lastSessionAt ?? null,
      };
    }),
  );
  await recordAudit(ctx, {
    action: "patient.listed",
    resourceType: "patient",
    metadata: { count: items.length, view: "physio_patients" },
  });
  return { items, total: total[0]?.n ?? 0 };
}

/** Sessions awaiting review among the caller's patients (`GET /physio/sessions`). */
export async function reviewQueue(ctx: RequestContext, query: ReviewQueueQuery) {
  await requirePermission(ctx, "sessions.review_queue", {
    action: "exercise_session.listed",
    resourceType: "exercise_session",
  });
  return listSessions(ctx, { ...query, status: "review_pending" });
}

/** Submits the review of a session (seed 000 §4); one per session, then it is reviewed. */
export async function submitReview(ctx: RequestContext, input: CreateReviewInput) {
  const caller = await requirePermission(ctx, "sessions.review", {
    action: REVIEWED,
    resourceType: "exercise_session",
    resourceId: input.session_id,
  });
  const { session } = await accessSession(ctx, input.session_id, "write", REVIEWED);
  if (session.status !== "review_pending") {
    throw new ConflictError(`A ${session.status} session cannot be reviewed`, [
      { field: "session_id", message: `Illegal transition ${session.status} → reviewed` },
    ]);
  }
  const id = uuidv7();
  const now = new Date().toISOString();
  const enc = (column: string, value: string | null | undefined) =>
    ctx.phi.encryptOptional(value, reviewRef(id, column));
  const row = {
    id,
    workspaceId: caller.workspaceId,
    sessionId: session.id,
    patientId: session.patientId,
    reviewerId: caller.userId,
    overallAssessment: input.overall_assessment,
    notesEnc: await enc("notes", input.notes),
    formFeedbackEnc: await enc("form_feedback", JSON.stringify(input.form_feedback)),
    nextStepsEnc: await enc(
      "next_steps",
      input.next_steps ? JSON.stringify(input.next_steps) : null,
    ),
    followUpDate: input.next_steps?.follow_up_date
      ? new Date(input.next_steps.follow_up_date).toISOString()
      : null,
    reviewedAt: now,
    createdAt: now,
    updatedAt: now,
  };
  const s = exerciseSessions;
  try {
    // The review row follows the guarded move: no review of a session no longer pending.
    const { changed } = await guardedWrite(ctx, {
      change: ctx.db.orm
        .update(s)
        .set({ status: "reviewed", updatedAt: now })
        .where(
          and(
            eq(s.id, session.id),
            eq(s.workspaceId, caller.workspaceId),
            eq(s.status, "review_pending"),
          ),
        ),
      audit: {
        action: REVIEWED,
        resourceType: "exercise_session",
        resourceId: session.id,
        metadata: {
          patient_id: session.patientId,
          review_id: id,
          assessment: input.overall_assessment,
        },
      },
      rows: [follow(sessionReviews, row)],
    });
    if (!changed) throw new ConflictError("This session has already been reviewed");
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError("This session has already been reviewed", [
        { field: "session_id", message: "One review per session" },
      ]);
    }
    throw error;
  }
  const [me] = await ctx.db.read([
    ctx.db.orm
      .select({ nameEnc: users.nameEnc })
      .from(users)
      .where(and(eq(users.id, caller.userId), eq(users.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  const name = me[0]
    ? await ctx.phi.decrypt(me[0].nameEnc, { table: "users", column: "name", rowId: caller.userId })
    : null;
  return {
    session_id: session.id,
    status: "reviewed" as const,
    review: await presentReview(ctx.phi, row, name),
  };
}
