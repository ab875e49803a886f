/**
 * A family member's reads of patients (`GET /patients`, `GET /patients/{id}`): the patients who
 * shared with them, shaped by `familyView`. Invariants: the active grant is the relation (a
 * revoked grant or another workspace is the same 404 as an unknown id); each section is loaded
 * only for a granted scope; every read, denied included, is audited as `patient.family_read`;
 * search matches whole name words only, never the MRN (an MRN match would confirm the MRN).
 */
import { and, asc, desc, eq, gte, inArray, isNull, ne, sql } from "drizzle-orm";
import { exerciseAssignments, exerciseTypes } from "../../db/schema/exercises";
import { familyAccess, patientSearchTokens, patients } from "../../db/schema/patients";
import { appointments } from "../../db/schema/scheduling";
import { users } from "../../db/schema/users";
import { auditEntry, recordAudit } from "../../lib/audit";
import { NotFoundError } from "../../lib/errors";
import { offsetOf } from "../../lib/pagination";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { userFieldRef } from "../users/users.data";
import { nameTokens } from "./patients.data";
import { familyView, type FamilyGrant, type FamilySections } from "./patients.family-view";
import type { ListPatientsQuery } from "./patients.schemas";

const ACTION = "patient.family_read";
/** How many upcoming appointments and assignments the family summary shows. */
export const FAMILY_SECTION_LIMIT = 20;

// Uniquely named columns: D1 batches map joined columns by name.
const patientWithGrant = {
  id: patients.id,
  firstNameEnc: patients.firstNameEnc,
  lastNameEnc: patients.lastNameEnc,
  createdAt: patients.createdAt,
  relationship: familyAccess.relationship,
  scopes: familyAccess.scopes,
};

const sharedWith = (caller: Caller) =>
  and(
    eq(patients.workspaceId, caller.workspaceId),
    isNull(patients.deletedAt),
    eq(familyAccess.workspaceId, caller.workspaceId),
    eq(familyAccess.patientId, patients.id),
    eq(familyAccess.familyUserId, caller.userId),
    isNull(familyAccess.revokedAt),
  );

/** A page of the patients who shared with the calling family member, newest first. */
export async function listPatientsForFamily(
  ctx: RequestContext,
  caller: Caller,
  query: ListPatientsQuery,
) {
  const { orm } = ctx.db;
  const tokens = query.search ? await nameTokens(ctx.phi, query.search) : [];
  const byName = tokens.length
    ? sql`${patients.id} in (select ${patientSearchTokens.patientId} from ${patientSearchTokens}
        where ${patientSearchTokens.workspaceId} = ${caller.workspaceId}
        and ${inArray(patientSearchTokens.token, tokens)}
        group by ${patientSearchTokens.patientId} having count(*) = ${tokens.length})`
    : undefined;
  // A search with no name word (e.g. an MRN-like string) matches nothing for family.
  const where = and(sharedWith(caller), query.search ? (byName ?? sql`0`) : undefined);
  const from = () => orm.select(patientWithGrant).from(patients).innerJoin(familyAccess, where);
  const [[count], rows] = await ctx.db.read([
    orm
      .select({ n: sql<number>`count(*)` })
      .from(patients)
      .innerJoin(familyAccess, where),
    from()
      .orderBy(desc(patients.createdAt), desc(patients.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    (
      await auditEntry(ctx, {
        action: ACTION,
        resourceType: "patient",
        metadata: { view: "list", page: query.page, search: !!query.search },
      })
    ).query,
  ]);
  const items = await Promise.all(rows.map((row) => familyView(ctx.phi, row, row)));
  return { items, total: count?.n ?? 0 };
}

/** One patient as the calling family member may see them, with their granted scopes' sections. */
export async function getPatientForFamily(ctx: RequestContext, caller: Caller, patientId: string) {
  const { orm } = ctx.db;
  const [found] = await ctx.db.read([
    orm
      .select(patientWithGrant)
      .from(patients)
      .innerJoin(familyAccess, and(sharedWith(caller), eq(patients.id, patientId)))
      .limit(1),
  ]);
  const row = found[0];
  const audit = { action: ACTION, resourceType: "patient", resourceId: patientId } as const;
  if (!row) {
    // Unknown, another workspace's or not shared: one answer, so nothing tells them apart.
    await recordAudit(ctx, { ...audit, outcome: "not_found" });
    throw new NotFoundError("Patient");
  }
  const sections = await loadSections(ctx, caller, row.id, row);
  return familyView(ctx.phi, row, row, sections);
}

/** The sections of the grant's scopes, loaded in one round trip with the read's audit entry. */
async function loadSections(
  ctx: RequestContext,
  caller: Caller,
  patientId: string,
  grant: FamilyGrant,
): Promise<FamilySections> {
  const { orm } = ctx.db;
  const ws = caller.workspaceId;
  const wantsAppointments = grant.scopes.includes("appointments");
  const wantsExercises = grant.scopes.includes("exercises");
  const upcoming = orm
    .select({
      id: appointments.id,
      start: appointments.scheduledStart,
      end: appointments.scheduledEnd,
      status: appointments.status,
      clinicianNameEnc: users.nameEnc,
      clinicianId: appointments.clinicianId,
    })
    .from(appointments)
    .leftJoin(users, and(eq(users.id, appointments.clinicianId), eq(users.workspaceId, ws)))
    .where(
      and(
        eq(appointments.workspaceId, ws),
        eq(appointments.patientId, patientId),
        ne(appointments.status, "cancelled"),
        gte(appointments.scheduledEnd, new Date().toISOString()),
        // Unused scope: the query still runs (fixed batch shape) but returns nothing.
        wantsAppointments ? undefined : sql`0`,
      ),
    )
    .orderBy(asc(appointments.scheduledStart))
    .limit(FAMILY_SECTION_LIMIT);
  const assignments = orm
    .select({
      id: exerciseAssignments.id,
      exerciseName: exerciseTypes.name,
      sets: exerciseAssignments.sets,
      repetitions: exerciseAssignments.repetitions,
      frequencyEnc: exerciseAssignments.frequencyEnc,
      status: exerciseAssignments.status,
      dueDate: exerciseAssignments.dueDate,
      completedAt: exerciseAssignments.completedAt,
    })
    .from(exerciseAssignments)
    .innerJoin(
      exerciseTypes,
      and(
        eq(exerciseTypes.id, exerciseAssignments.exerciseTypeId),
        eq(exerciseTypes.workspaceId, ws),
      ),
    )
    .where(
      and(
        eq(exerciseAssignments.workspaceId, ws),
        eq(exerciseAssignments.patientId, patientId),
        wantsExercises ? undefined : sql`0`,
      ),
    )
    .orderBy(desc(exerciseAssignments.createdAt))
    .limit(FAMILY_SECTION_LIMIT);
  const tally = orm
    .select({ status: exerciseAssignments.status, n: sql<number>`count(*)` })
    .from(exerciseAssignments)
    .where(
      and(
        eq(exerciseAssignments.workspaceId, ws),
        eq(exerciseAssignments.patientId, patientId),
        wantsExercises ? undefined : sql`0`,
      ),
    )
    .groupBy(exerciseAssignments.status);
  const audit = await auditEntry(ctx, {
    action: ACTION,
    resourceType: "patient",
    resourceId: patientId,
    metadata: { view: "detail", scopes: grant.scopes },
  });
  const [appts, rows, counts] = await ctx.db.read([upcoming, assignments, tally, audit.query]);
  const { phi } = ctx;
  const sections: FamilySections = {};
  if (wantsAppointments) {
    sections.upcoming_appointments = await Promise.all(
      appts.map(async (a) => ({
        id: a.id,
        scheduled_start: a.start,
        scheduled_end: a.end,
        status: a.status,
        clinician_name: a.clinicianNameEnc
          ? await phi.decrypt(a.clinicianNameEnc, userFieldRef(a.clinicianId, "name"))
          : null,
      })),
    );
  }
  if (wantsExercises) {
    const by = (status: string) => counts.find((c) => c.status === status)?.n ?? 0;
    const [completed, notCompleted, pending] = [
      by("Completed"),
      by("Not Completed"),
      by("Pending"),
    ];
    const decided = completed + notCompleted;
    sections.exercises = {
      assignments: await Promise.all(
        rows.map(async (r) => {
          const frequency = await phi.decryptOptional(
            r.frequencyEnc,
            // Assignment columns are bound to the assignment row (see exercises.data.ts).
            { table: "exercise_assignments", column: "frequency", rowId: r.id },
          );
          return {
            id: r.id,
            exercise_name: r.exerciseName,
            sets: r.sets,
            repetitions: r.repetitions,
            frequency: frequency === null ? null : (JSON.parse(frequency) as unknown),
            status: r.status,
            due_date: r.dueDate,
            completed_at: r.completedAt,
          };
        }),
      ),
      adherence: {
        total: decided + pending,
        completed,
        not_completed: notCompleted,
        pending,
        completion_rate: decided > 0 ? Math.round((completed / decided) * 100) / 100 : null,
      },
    };
  }
  return sections;
}
