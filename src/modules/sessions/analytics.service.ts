/**
 * Progress over time per patient and exercise, from the server's analyses: repetitions, quality,
 * range of motion of the exercise's primary joint, and adherence against the assignments
 * (sessions done against `times_per_week` × weeks since each was assigned).
 * `GET /physio/analytics` (staff, their patients) and `GET /patients/{id}/progress` (the patient,
 * their care team, admins, family with `session_summaries`: numbers only, no free text).
 */
import { and, asc, eq, gte, inArray, isNotNull, isNull, lte } from "drizzle-orm";
import { exerciseAssignments, exerciseTypes } from "../../db/schema/exercises";
import { patients } from "../../db/schema/patients";
import { exerciseSessions } from "../../db/schema/sessions";
import { recordAudit } from "../../lib/audit";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, patientVisibility, requirePermission } from "../../policy/policy";
import type { AnalysisConfig } from "../exercise-types/exercise-types.analysis";
import type { AnalyticsQuery, ProgressQuery } from "./review.schemas";
import { analysisOf, type SessionRow } from "./sessions.data";

const MAX_SESSIONS = 2000;
const WEEK_MS = 7 * 24 * 3600_000;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

async function progressOf(ctx: RequestContext, query: AnalyticsQuery) {
  const caller = callerOf(ctx);
  const s = exerciseSessions;
  const [rows, types] = await ctx.db.read([
    ctx.db.orm
      .select({ session: s })
      .from(s)
      .innerJoin(patients, eq(patients.id, s.patientId))
      .where(
        and(
          eq(s.workspaceId, caller.workspaceId),
          isNotNull(s.analyzedAt),
          isNull(patients.deletedAt),
          patientVisibility(caller, "session_summaries"),
          query.patient_id ? eq(s.patientId, query.patient_id) : undefined,
          query.from ? gte(s.createdAt, new Date(query.from).toISOString()) : undefined,
          query.to ? lte(s.createdAt, new Date(query.to).toISOString()) : undefined,
        ),
      )
      .orderBy(asc(s.createdAt))
      .limit(MAX_SESSIONS),
    ctx.db.orm
      .select({
        id: exerciseTypes.id,
        slug: exerciseTypes.slug,
        name: exerciseTypes.name,
        analysis: exerciseTypes.analysis,
      })
      .from(exerciseTypes)
      .where(eq(exerciseTypes.workspaceId, caller.workspaceId)),
  ]);
  const typeById = new Map(types.map((t) => [t.id, t]));
  const sessions = rows
    .map((r) => r.session as SessionRow)
    .filter(
      (r) => !query.exercise_type || typeById.get(r.exerciseTypeId)?.slug === query.exercise_type,
    );
  const patientIds = [...new Set(sessions.map((r) => r.patientId))];
  const [assignments] = patientIds.length
    ? await ctx.db.read([
        ctx.db.orm
          .select({
            patientId: exerciseAssignments.patientId,
            typeId: exerciseAssignments.exerciseTypeId,
            timesPerWeek: exerciseAssignments.timesPerWeek,
            createdAt: exerciseAssignments.createdAt,
          })
          .from(exerciseAssignments)
          .where(
            and(
              eq(exerciseAssignments.workspaceId, caller.workspaceId),
              inArray(exerciseAssignments.patientId, patientIds),
            ),
          ),
      ])
    : [[]];

  const groups = new Map<string, SessionRow[]>();
  for (const r of sessions) {
    const key = `${r.patientId}|${r.exerciseTypeId}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const end = query.to ? new Date(query.to).getTime() : Date.now();
  const exercises = [...groups.entries()].map(([key, group]) => {
    const [patientId, typeId] = key.split("|") as [string, string];
    const type = typeById.get(typeId);
    const config = type?.analysis as AnalysisConfig | undefined;
    const primary = config?.primary_joint ?? "knee_left";
    const series = group.map((r) => {
      const range = analysisOf(r)?.angle_ranges?.[primary];
      return {
        session_id: r.id,
        date: r.startedAt ?? r.createdAt,
        rep_count: r.repCount,
        partial_reps: analysisOf(r)?.partial_reps ?? null,
        quality_score: r.qualityScore,
        range_of_motion: range ? round(range.max - range.min) : null,
        status: r.status,
      };
    });
    const roms = series.map((p) => p.range_of_motion).filter((v): v is number => v !== null);
    const qualities = series.map((p) => p.quality_score).filter((v): v is number => v !== null);
    const mine = assignments.filter((a) => a.patientId === patientId && a.typeId === typeId);
    let adherence = null;
    if (mine.length > 0) {
      const perWeek = mine.reduce((n, a) => n + (a.timesPerWeek ?? 0), 0) || null;
      const since = Math.min(...mine.map((a) => new Date(a.createdAt).getTime()));
      const expected = mine.reduce((n, a) => {
        const weeks = Math.max(1, (end - new Date(a.createdAt).getTime()) / WEEK_MS);
        return n + (a.timesPerWeek ?? 0) * weeks;
      }, 0);
      const done = group.filter((r) => new Date(r.createdAt).getTime() >= since).length;
      adherence = {
        assigned_per_week: perWeek,
        expected_sessions: expected > 0 ? round(expected) : null,
        completed_sessions: done,
        rate: expected > 0 ? round(Math.min(1, done / expected), 3) : null,
      };
    }
    return {
      patient_id: patientId,
      exercise_type: type?.slug ?? "unknown",
      exercise_name: type?.name ?? "Unknown exercise",
      primary_joint: primary,
      sessions: group.length,
      total_reps: group.reduce((n, r) => n + (r.repCount ?? 0), 0),
      average_quality: qualities.length
        ? round(qualities.reduce((a, b) => a + b, 0) / qualities.length, 3)
        : null,
      range_of_motion: {
        first: roms[0] ?? null,
        last: roms.at(-1) ?? null,
        best: roms.length ? Math.max(...roms) : null,
      },
      adherence,
      series,
    };
  });
  return {
    from: query.from ?? null,
    to: query.to ?? null,
    patients: patientIds.length,
    exercises,
  };
}

/** `GET /physio/analytics`: progress of the caller's patients (staff), optionally one patient. */
export async function physioAnalytics(ctx: RequestContext, query: AnalyticsQuery) {
  const action = "exercise_session.listed" as const;
  await requirePermission(ctx, "sessions.review_queue", {
    action,
    resourceType: "exercise_session",
  });
  if (query.patient_id) await accessPatient(ctx, query.patient_id, "read", { action });
  const result = await progressOf(ctx, query);
  await recordAudit(ctx, {
    action,
    resourceType: "exercise_session",
    metadata: { view: "analytics", patients: result.patients, series: result.exercises.length },
  });
  return result;
}

/** `GET /patients/{id}/progress`: one patient's progress per exercise. */
export async function patientProgress(
  ctx: RequestContext,
  patientId: string,
  query: ProgressQuery,
) {
  const action = "patient.read" as const;
  await accessPatient(ctx, patientId, "read", { action, scope: "session_summaries" });
  const result = await progressOf(ctx, { ...query, patient_id: patientId });
  await recordAudit(ctx, {
    action,
    resourceType: "patient",
    resourceId: patientId,
    metadata: { view: "progress", series: result.exercises.length },
  });
  return { patient_id: patientId, ...result };
}
