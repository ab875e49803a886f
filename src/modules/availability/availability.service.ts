/**
 * Clinicians' weekly working hours and time off. Staff read them; the clinician themself or an
 * admin changes them (refusals are audited). A clinician of another workspace answers 404.
 * Time-off reasons are stored encrypted.
 */
import { and, asc, eq, gt, lt, sql } from "drizzle-orm";
import {
  clinicianTimeOff,
  clinicianWorkingHours,
  type TimeOffRow,
} from "../../db/schema/scheduling";
import { auditEntry, recordAudit, type AuditAction } from "../../lib/audit";
import type { PhiCipher } from "../../lib/crypto/phi";
import { ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { offsetOf } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import { clinicianQuery } from "../appointments/appointments.access";
import { toUtc } from "../appointments/appointments.data";
import { isTimeZone } from "./availability.slots";
import type { TimeOffInput, TimeOffListQuery, WorkingHoursInput } from "./availability.schemas";

const MAX_TIME_OFF_DAYS = 366;
const reasonRef = (id: string) => ({ table: "clinician_time_off", column: "reason", rowId: id });

const target = (action: AuditAction, clinicianId: string) =>
  ({ action, resourceType: "availability", resourceId: clinicianId }) as const;

/** Staff may read any clinician's availability of their workspace. */
const requireReader = (ctx: RequestContext, clinicianId: string) =>
  requirePermission(ctx, "availability.read", target("availability.read", clinicianId));

/** Only the clinician themself or an admin may change it; 403 (audited) otherwise. */
async function requireEditor(ctx: RequestContext, clinicianId: string, action: AuditAction) {
  const caller = callerOf(ctx);
  if (caller.role !== "admin" && caller.userId !== clinicianId) {
    await recordAudit(ctx, { ...target(action, clinicianId), outcome: "denied" });
    throw new ForbiddenError();
  }
  return caller;
}

function assertClinician(rows: unknown[]) {
  if (rows.length === 0) throw new NotFoundError("Clinician");
}

export const presentWorkingHours = (rows: (typeof clinicianWorkingHours.$inferSelect)[]) =>
  rows.map((r) => ({
    weekday: r.weekday,
    start: r.startTime,
    end: r.endTime,
    timezone: r.timezone,
  }));

export const workingHoursQuery = (ctx: RequestContext, workspaceId: string, clinicianId: string) =>
  ctx.db.orm
    .select()
    .from(clinicianWorkingHours)
    .where(
      and(
        eq(clinicianWorkingHours.workspaceId, workspaceId),
        eq(clinicianWorkingHours.clinicianId, clinicianId),
      ),
    )
    .orderBy(asc(clinicianWorkingHours.weekday), asc(clinicianWorkingHours.startTime));

async function presentTimeOff(phi: PhiCipher, t: TimeOffRow) {
  return {
    id: t.id,
    clinician_id: t.clinicianId,
    starts_at: t.startsAt,
    ends_at: t.endsAt,
    reason: await phi.decryptOptional(t.reasonEnc, reasonRef(t.id)),
    created_by: t.createdBy,
    created_at: t.createdAt,
  };
}

/** A clinician's weekly working hours. */
export async function getWorkingHours(ctx: RequestContext, clinicianId: string) {
  const caller = await requireReader(ctx, clinicianId);
  const [clinician, rows] = await ctx.db.read([
    clinicianQuery(ctx, caller.workspaceId, clinicianId),
    workingHoursQuery(ctx, caller.workspaceId, clinicianId),
  ]);
  assertClinician(clinician);
  return { clinician_id: clinicianId, working_hours: presentWorkingHours(rows) };
}

/** Replaces a clinician's weekly working hours with the given windows (an empty list clears them). */
export async function setWorkingHours(
  ctx: RequestContext,
  clinicianId: string,
  input: WorkingHoursInput,
) {
  const caller = await requireEditor(ctx, clinicianId, "availability.updated");
  const [clinician] = await ctx.db.read([clinicianQuery(ctx, caller.workspaceId, clinicianId)]);
  assertClinician(clinician);
  const issues = input.working_hours.flatMap((w, i) => [
    ...(w.start < w.end
      ? []
      : [{ field: `working_hours.${i}.end`, message: "Must be after start" }]),
    ...(isTimeZone(w.timezone)
      ? []
      : [{ field: `working_hours.${i}.timezone`, message: "Unknown IANA time zone" }]),
  ]);
  if (issues.length > 0) throw new ValidationError(issues);
  const now = new Date().toISOString();
  const rows = input.working_hours.map((w) => ({
    id: uuidv7(),
    workspaceId: caller.workspaceId,
    clinicianId,
    weekday: w.weekday,
    startTime: w.start,
    endTime: w.end,
    timezone: w.timezone,
    createdAt: now,
  }));
  const mine = and(
    eq(clinicianWorkingHours.workspaceId, caller.workspaceId),
    eq(clinicianWorkingHours.clinicianId, clinicianId),
  );
  await ctx.db.write([
    ctx.db.orm.delete(clinicianWorkingHours).where(mine),
    ...rows.map((r) => ctx.db.orm.insert(clinicianWorkingHours).values(r)),
    (
      await auditEntry(ctx, {
        ...target("availability.updated", clinicianId),
        metadata: { kind: "working_hours", windows: rows.length },
      })
    ).query,
  ]);
  return { clinician_id: clinicianId, working_hours: presentWorkingHours(rows) };
}

/** Adds a period of time off (no free slots are offered during it). */
export async function createTimeOff(ctx: RequestContext, clinicianId: string, input: TimeOffInput) {
  const caller = await requireEditor(ctx, clinicianId, "availability.created");
  const [clinician] = await ctx.db.read([clinicianQuery(ctx, caller.workspaceId, clinicianId)]);
  assertClinician(clinician);
  const startsAt = toUtc(input.starts_at);
  const endsAt = toUtc(input.ends_at);
  const days = (Date.parse(endsAt) - Date.parse(startsAt)) / 86_400_000;
  if (!(days > 0) || days > MAX_TIME_OFF_DAYS) {
    const message = days > 0 ? `At most ${MAX_TIME_OFF_DAYS} days` : "Must be after starts_at";
    throw new ValidationError([{ field: "ends_at", message }]);
  }
  const id = uuidv7();
  const row: TimeOffRow = {
    id,
    workspaceId: caller.workspaceId,
    clinicianId,
    startsAt,
    endsAt,
    reasonEnc: await ctx.phi.encryptOptional(input.reason, reasonRef(id)),
    createdBy: caller.userId,
    createdAt: new Date().toISOString(),
  };
  await ctx.db.write([
    ctx.db.orm.insert(clinicianTimeOff).values(row),
    (
      await auditEntry(ctx, {
        ...target("availability.created", clinicianId),
        metadata: { kind: "time_off", time_off_id: id },
      })
    ).query,
  ]);
  return presentTimeOff(ctx.phi, row);
}

/** A page of a clinician's time off, by start, optionally within [from, to). */
export async function listTimeOff(ctx: RequestContext, clinicianId: string, q: TimeOffListQuery) {
  const caller = await requireReader(ctx, clinicianId);
  const where = and(
    eq(clinicianTimeOff.workspaceId, caller.workspaceId),
    eq(clinicianTimeOff.clinicianId, clinicianId),
    q.from ? gt(clinicianTimeOff.endsAt, toUtc(q.from)) : undefined,
    q.to ? lt(clinicianTimeOff.startsAt, toUtc(q.to)) : undefined,
  );
  const [clinician, count, rows] = await ctx.db.read([
    clinicianQuery(ctx, caller.workspaceId, clinicianId),
    ctx.db.orm
      .select({ n: sql<number>`count(*)` })
      .from(clinicianTimeOff)
      .where(where),
    ctx.db.orm
      .select()
      .from(clinicianTimeOff)
      .where(where)
      .orderBy(asc(clinicianTimeOff.startsAt))
      .limit(q.page_size)
      .offset(offsetOf(q)),
  ]);
  assertClinician(clinician);
  const items = await Promise.all(rows.map((r) => presentTimeOff(ctx.phi, r)));
  return { items, total: count[0]?.n ?? 0 };
}

/** Removes one period of time off. */
export async function deleteTimeOff(ctx: RequestContext, clinicianId: string, timeOffId: string) {
  const caller = await requireEditor(ctx, clinicianId, "availability.deleted");
  const mine = and(
    eq(clinicianTimeOff.id, timeOffId),
    eq(clinicianTimeOff.workspaceId, caller.workspaceId),
    eq(clinicianTimeOff.clinicianId, clinicianId),
  );
  const [rows] = await ctx.db.read([
    ctx.db.orm.select({ id: clinicianTimeOff.id }).from(clinicianTimeOff).where(mine).limit(1),
  ]);
  if (rows.length === 0) throw new NotFoundError("Time off");
  await ctx.db.write([
    ctx.db.orm.delete(clinicianTimeOff).where(mine),
    (
      await auditEntry(ctx, {
        ...target("availability.deleted", clinicianId),
        metadata: { kind: "time_off", time_off_id: timeOffId },
      })
    ).query,
  ]);
}
