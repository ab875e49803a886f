/**
 * Loading a session the caller may reach. The session is found within the caller's workspace
 * (another workspace's is a 404), then the patient policy decides (`accessPatient`): the patient
 * themself, their care team, admins; family only to read, only with the `session_summaries`
 * scope, and only summaries (`detail: "summary"`). Every refusal is audited.
 */
import { and, eq } from "drizzle-orm";
import { exerciseTypes } from "../../db/schema/exercises";
import { exerciseSessions } from "../../db/schema/sessions";
import { recordAudit, type AuditAction } from "../../lib/audit";
import { ForbiddenError, NotFoundError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient } from "../../policy/policy";
import type { SessionRow, TypeInfo } from "./sessions.data";

export const RESOURCE = "exercise_session";

export type SessionAccess = "read" | "summary" | "write";

/** A session of the caller's workspace with its exercise's slug and name; 404 (audited) otherwise. */
export async function loadSession(ctx: RequestContext, id: string, action: AuditAction) {
  const caller = callerOf(ctx);
  // Two queries, not a join: in a D1 batch joined columns would be mixed up by name.
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(exerciseSessions)
      .where(and(eq(exerciseSessions.id, id), eq(exerciseSessions.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  const session = rows[0];
  if (!session) {
    await recordAudit(ctx, {
      action,
      resourceType: RESOURCE,
      resourceId: id,
      outcome: "not_found",
    });
    throw new NotFoundError("Session");
  }
  const [types] = await ctx.db.read([
    ctx.db.orm
      .select({
        slug: exerciseTypes.slug,
        name: exerciseTypes.name,
        analysis: exerciseTypes.analysis,
      })
      .from(exerciseTypes)
      .where(
        and(
          eq(exerciseTypes.id, session.exerciseTypeId),
          eq(exerciseTypes.workspaceId, caller.workspaceId),
        ),
      )
      .limit(1),
  ]);
  // Catalog entries are never deleted; a missing one would be a data fault, shown plainly.
  const type = types[0] ?? { slug: "unknown", name: "Unknown exercise", analysis: null };
  return { session, type };
}

/**
 * Loads a session and applies the patient policy for `access`. Returns what the caller may see:
 * `summaryOnly` is true for family (who reach only `summary` access).
 */
export async function accessSession(
  ctx: RequestContext,
  id: string,
  access: SessionAccess,
  action: AuditAction,
) {
  const caller = callerOf(ctx);
  // Family reach only summaries: a role refusal, made before the lookup so every id answers alike.
  if (caller.role === "family" && access !== "summary") {
    await recordAudit(ctx, {
      action,
      resourceType: RESOURCE,
      resourceId: id,
      outcome: "denied",
      metadata: { reason: "family_summaries_only" },
    });
    throw new ForbiddenError();
  }
  const loaded = await loadSession(ctx, id, action);
  let patient;
  try {
    patient = await accessPatient(
      ctx,
      loaded.session.patientId,
      access === "write" ? "write" : "read",
      {
        action,
        resourceType: "patient",
        ...(access === "summary" && { scope: "session_summaries" as const }),
      },
    );
  } catch (err) {
    // Outside the relation (audited by accessPatient): the same answer as an unknown session.
    if (err instanceof NotFoundError) throw new NotFoundError("Session");
    throw err;
  }
  return {
    ...loaded,
    type: loaded.type as TypeInfo & { analysis: unknown },
    patient,
    summaryOnly: caller.role === "family",
  } as {
    session: SessionRow;
    type: TypeInfo & { analysis: unknown };
    patient: typeof patient;
    summaryOnly: boolean;
  };
}
