/**
 * `GET /patients`: the patients the caller may see, newest first, optionally searched by exact MRN
 * or whole name words (every word must match a first- or last-name token).
 * Invariants: the policy's `patientVisibility` decides what is visible; count and page go in one
 * round trip, the audit entry to the queue before the answer (src/lib/audit-queue.ts). For speed the query is driven from a small candidate set
 * (the search matches, or the caller's care team / own record / grants) through a CROSS JOIN,
 * which SQLite keeps as the outer loop, instead of scanning the workspace; the candidate set only
 * narrows, visibility is still applied to every row.
 */
import { and, desc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import {
  careTeamMembers,
  familyAccess,
  patientSearchTokens,
  patients,
} from "../../db/schema/patients";
import { queueAudit } from "../../lib/audit-queue";
import { offsetOf } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { isClinician, patientVisibility } from "../../policy/policy";
import {
  mrnIndex,
  nameTokens,
  patientSummaryColumns,
  presentPatientSummary,
  type PatientSummaryRow,
} from "./patients.data";
import { listPatientsForFamily } from "./patients.family-read";
import type { ListPatientsQuery } from "./patients.schemas";

/** Ids of the patients matching the search: every name word, or the exact MRN. */
async function searchMatches(ctx: RequestContext, caller: Caller, search: string) {
  const { orm } = ctx.db;
  const byMrn = orm
    .select({ id: patients.id })
    .from(patients)
    .where(
      and(
        eq(patients.workspaceId, caller.workspaceId),
        eq(patients.mrnIndex, await mrnIndex(ctx.phi, search)),
      ),
    );
  const tokens = await nameTokens(ctx.phi, search);
  if (tokens.length === 0) return { query: byMrn };
  const byName = orm
    .select({ id: patientSearchTokens.patientId })
    .from(patientSearchTokens)
    .where(
      and(
        eq(patientSearchTokens.workspaceId, caller.workspaceId),
        inArray(patientSearchTokens.token, tokens),
      ),
    )
    .groupBy(patientSearchTokens.patientId)
    .having(sql`count(*) = ${tokens.length}`);
  // Wrapped: a drizzle query is thenable, an async function must not return it bare.
  return { query: byName.union(byMrn) };
}

/** Ids the caller is related to (null for an admin: the whole workspace). */
function relatedIds(ctx: RequestContext, caller: Caller) {
  const { orm } = ctx.db;
  if (isClinician(caller.role)) {
    return orm
      .select({ id: careTeamMembers.patientId })
      .from(careTeamMembers)
      .where(eq(careTeamMembers.userId, caller.userId));
  }
  if (caller.role === "patient") {
    return orm.select({ id: patients.id }).from(patients).where(eq(patients.userId, caller.userId));
  }
  if (caller.role === "family") {
    return orm
      .select({ id: familyAccess.patientId })
      .from(familyAccess)
      .where(and(eq(familyAccess.familyUserId, caller.userId), isNull(familyAccess.revokedAt)));
  }
  return null;
}

/**
 * A page of the patients the caller may see, newest first; count, page and audit in one trip.
 * A family member gets the family summaries of the patients who shared with them.
 */
export async function listPatients(ctx: RequestContext, query: ListPatientsQuery) {
  const caller = callerOf(ctx);
  if (caller.role === "family") return listPatientsForFamily(ctx, caller, query);
  const { orm } = ctx.db;
  const source = query.search
    ? (await searchMatches(ctx, caller, query.search)).query
    : relatedIds(ctx, caller);
  const candidates = source?.as("candidates");
  const conditions: (SQL | undefined)[] = [
    patientVisibility(caller),
    isNull(patients.deletedAt),
    candidates ? eq(patients.id, candidates.id) : undefined,
  ];
  const where = and(...conditions);
  const countQuery = candidates
    ? orm
        .select({ n: sql<number>`count(*)` })
        .from(candidates)
        .crossJoin(patients)
        .where(where)
    : orm
        .select({ n: sql<number>`count(*)` })
        .from(patients)
        .where(where);
  const pageQuery = (
    candidates
      ? orm.select(patientSummaryColumns).from(candidates).crossJoin(patients)
      : orm.select(patientSummaryColumns).from(patients)
  )
    .where(where)
    .orderBy(desc(patients.createdAt), desc(patients.id))
    .limit(query.page_size)
    .offset(offsetOf(query));
  // The page as D1's own row objects (each mapped once, into its item).
  const [[count], rows] = await ctx.db.read([
    countQuery,
    ctx.db.rows<PatientSummaryRow>(pageQuery),
  ]);
  const items = await Promise.all(rows.map((row) => presentPatientSummary(ctx.phi, row)));
  // The audit entry goes to the queue before the answer: no D1 write on the read path.
  await queueAudit(ctx, {
    action: "patient.listed",
    resourceType: "patient",
    metadata: { page: query.page, page_size: query.page_size, search: !!query.search },
  });
  return { items, total: count?.n ?? 0 };
}
