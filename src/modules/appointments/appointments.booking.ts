/**
 * Booking without double-booking, on a database without interactive transactions.
 *
 * Invariant: two non-cancelled appointments of the same clinician, or of the same patient, never
 * overlap on [start, end). Two guards keep it:
 * 1. Every booking of a clinician runs through that clinician's ClinicianCalendar Durable Object,
 *    one at a time: check the overlap in D1, then write. Racing requests for one clinician's slot
 *    queue up there and all but the first see the conflict.
 * 2. The write itself is conditional: `INSERT … SELECT … WHERE NOT EXISTS (overlap)` (or
 *    `UPDATE … WHERE … AND NOT EXISTS (overlap)`), and its audit entry is inserted only if the row
 *    is there, in the same atomic D1 batch. Two clinicians' calendars booking the same patient at
 *    once cannot both succeed: the later batch changes nothing and reports the conflict.
 * An overlap search reads an index range: `scheduled_start` in (start - max duration, end).
 */
import {
  and,
  asc,
  eq,
  getTableColumns,
  gt,
  lt,
  ne,
  notExists,
  or,
  sql,
  type SQL,
} from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import {
  appointments,
  MAX_APPOINTMENT_MINUTES,
  type AppointmentRow,
  type AppointmentStatus,
} from "../../db/schema/scheduling";
import { auditLog } from "../../db/schema/audit";
import { named, type Database } from "../../lib/db";
import { insertIfChanged } from "../../lib/guarded-write";
import type { RequestContext } from "../../middleware/request-context";

export type OverlapProbe = {
  workspaceId: string;
  start: string;
  end: string;
  clinicianId?: string | null;
  patientId?: string | null;
  excludeId?: string | null;
};

export type ConflictRow = {
  id: string;
  scheduled_start: string;
  scheduled_end: string;
  clinician_id: string;
  /** Null once redacted (`redactConflicts`): the caller may not see that patient. */
  patient_id: string | null;
  status: AppointmentStatus;
};

type Statement = { sql: string; params: unknown[] };

export type BookingPlan = {
  kind: "insert" | "update";
  appointmentId: string;
  workspaceId: string;
  clinicianId: string;
  patientId: string;
  start: string;
  end: string;
  /** False when the appointment ends up cancelled: it holds no slot, so nothing to check. */
  blocking: boolean;
  /** The full row (insert) or the changed columns (update); `updatedAt` is always set. */
  values: Partial<AppointmentRow> & { updatedAt: string };
  /** The audit entry's conditional insert (`bookingAudit`), built by the request (it knows the caller). */
  audit: Statement;
};

export type BookingOutcome =
  | { status: "booked" }
  | { status: "conflict"; conflicts: ConflictRow[] }
  | { status: "exists" }
  | { status: "missing" };

const minutesBefore = (iso: string, minutes: number) =>
  new Date(Date.parse(iso) - minutes * 60_000).toISOString();

/** The `appointments` rows that would overlap the probe: same clinician or same patient. */
export function overlapCondition(p: OverlapProbe): SQL {
  return and(
    eq(appointments.workspaceId, p.workspaceId),
    ne(appointments.status, "cancelled"),
    lt(appointments.scheduledStart, p.end),
    gt(appointments.scheduledStart, minutesBefore(p.start, MAX_APPOINTMENT_MINUTES)),
    gt(appointments.scheduledEnd, p.start),
    or(
      p.clinicianId ? eq(appointments.clinicianId, p.clinicianId) : undefined,
      p.patientId ? eq(appointments.patientId, p.patientId) : undefined,
    ),
    p.excludeId ? ne(appointments.id, p.excludeId) : undefined,
  )!;
}

/** The API's conflict fields, named as it lists them (the conflict check reads them as D1 rows). */
const CONFLICT_FIELDS = named({
  id: appointments.id,
  scheduled_start: appointments.scheduledStart,
  scheduled_end: appointments.scheduledEnd,
  clinician_id: appointments.clinicianId,
  patient_id: appointments.patientId,
  status: appointments.status,
});

/** The conflicting appointments, as the API lists them (ids and times, never names). */
export const conflictQuery = (db: Database, p: OverlapProbe) =>
  db
    .select(CONFLICT_FIELDS)
    .from(appointments)
    .where(overlapCondition(p))
    .orderBy(asc(appointments.scheduledStart))
    .limit(50);

const dialect = new SQLiteSyncDialect();
const one = sql`1`;

/** The appointment write, conditional on no overlap (and, for an insert, on the id being free). */
export function guardedWrite(db: Database, plan: BookingPlan): Statement {
  const probe = { ...plan, excludeId: plan.appointmentId };
  const clear = notExists(db.select({ one }).from(appointments).where(overlapCondition(probe)));
  const guard = plan.blocking ? clear : sql`1`;
  if (plan.kind === "update") {
    return db
      .update(appointments)
      .set(plan.values)
      .where(
        and(
          eq(appointments.id, plan.appointmentId),
          eq(appointments.workspaceId, plan.workspaceId),
          guard,
        ),
      )
      .toSQL();
  }
  const columns = Object.entries(getTableColumns(appointments));
  const values = plan.values as Record<string, unknown>;
  const idFree = notExists(
    db.select({ one }).from(appointments).where(eq(appointments.id, plan.appointmentId)),
  );
  return dialect.sqlToQuery(
    sql`insert into ${appointments} (${sql.join(
      columns.map(([, column]) => sql.identifier(column.name)),
      sql`, `,
    )}) select ${sql.join(
      columns.map(([key]) => sql`${values[key] ?? null}`),
      sql`, `,
    )} where ${idFree} and ${guard}`,
  );
}

/**
 * The audit insert of a booking (`plan.audit`), kept only when the write just before it in the
 * batch changed a row (`changes()`) and the appointment now carries this write's `updated_at`.
 */
export function bookingAudit(
  db: Database,
  entry: typeof auditLog.$inferInsert,
  appointmentId: string,
  updatedAt: string,
): Statement {
  const ours = sql`exists (select 1 from ${appointments} where ${appointments.id} = ${appointmentId} and ${appointments.updatedAt} = ${updatedAt})`;
  return insertIfChanged(db, auditLog, entry, ours).toSQL();
}

/**
 * Checks, then writes, one booking. Runs inside the clinician's calendar object (one at a time);
 * still correct if two run at once, thanks to the conditional write.
 */
export async function commitBooking(d1: D1Database, plan: BookingPlan): Promise<BookingOutcome> {
  const db = drizzle(d1);
  const probe = { ...plan, excludeId: plan.appointmentId };
  if (plan.blocking) {
    const conflicts = await conflictQuery(db, probe);
    if (conflicts.length > 0) return { status: "conflict", conflicts };
  }
  const statements = [guardedWrite(db, plan), plan.audit];
  const [written] = await d1.batch(statements.map((s) => d1.prepare(s.sql).bind(...s.params)));
  if ((written?.meta.changes ?? 0) > 0) return { status: "booked" };
  const [existing] = await db
    .select({ id: appointments.id })
    .from(appointments)
    .where(eq(appointments.id, plan.appointmentId))
    .limit(1);
  if (plan.kind === "insert" && existing) return { status: "exists" };
  if (plan.kind === "update" && !existing) return { status: "missing" };
  return { status: "conflict", conflicts: await conflictQuery(db, probe) };
}

/** Asks the clinician's calendar object to book; see the invariant above. */
export async function bookThroughCalendar(
  ctx: RequestContext,
  plan: BookingPlan,
): Promise<BookingOutcome> {
  const calendars = ctx.env.ClinicianCalendar;
  const calendar = calendars.get(calendars.idFromName(`${plan.workspaceId}:${plan.clinicianId}`));
  return (await calendar.book(plan)) as BookingOutcome;
}
