/**
 * A booking must fall when the clinician works: not into their time off, and inside their working
 * hours when they have any (a clinician without working hours is not constrained; the free-slot
 * search then offers nothing, so search and booking still agree). Checked on create, and on update
 * when the time or the clinician changes. An admin may book anyway with `override_time_off: true`;
 * the override and what it overrode go into the booking's audit entry.
 */
import { and, asc, eq, gt, lt } from "drizzle-orm";
import { clinicianTimeOff } from "../../db/schema/scheduling";
import { recordAudit, type AuditAction } from "../../lib/audit";
import { ConflictError, ForbiddenError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { presentWorkingHours, workingHoursQuery } from "../availability/availability.service";
import { withinWorkingHours } from "../availability/availability.slots";

export type AvailabilityCheck = {
  clinicianId: string;
  start: string;
  end: string;
  /** False for a cancelled appointment: it holds no time, nothing to check. */
  blocking: boolean;
  override?: boolean;
  audit: { action: AuditAction; resourceType: string; resourceId?: string | null };
};

/**
 * Throws 409 naming the overlapping time off (ids and times, never the reason) or the working
 * hours; 403 (audited) when a non-admin asks to override. Returns the audit metadata of an
 * admin's override ({} when nothing was overridden).
 */
export async function checkClinicianAvailability(
  ctx: RequestContext,
  check: AvailabilityCheck,
): Promise<Record<string, unknown>> {
  const caller = callerOf(ctx);
  if (check.override && caller.role !== "admin") {
    await recordAudit(ctx, {
      ...check.audit,
      outcome: "denied",
      metadata: { reason: "override_admin_only" },
    });
    throw new ForbiddenError("Only an admin may book over time off or outside working hours");
  }
  if (!check.blocking) return {};
  const ws = caller.workspaceId;
  const [timeOff, hours] = await ctx.db.read([
    ctx.db.orm
      .select({
        id: clinicianTimeOff.id,
        starts_at: clinicianTimeOff.startsAt,
        ends_at: clinicianTimeOff.endsAt,
      })
      .from(clinicianTimeOff)
      .where(
        and(
          eq(clinicianTimeOff.workspaceId, ws),
          eq(clinicianTimeOff.clinicianId, check.clinicianId),
          lt(clinicianTimeOff.startsAt, check.end),
          gt(clinicianTimeOff.endsAt, check.start),
        ),
      )
      .orderBy(asc(clinicianTimeOff.startsAt)),
    workingHoursQuery(ctx, ws, check.clinicianId),
  ]);
  const windows = presentWorkingHours(hours);
  const outsideHours = windows.length > 0 && !withinWorkingHours(check.start, check.end, windows);
  if (timeOff.length === 0 && !outsideHours) return {};
  if (check.override) {
    return {
      override_time_off: true,
      time_off_ids: timeOff.map((t) => t.id),
      outside_working_hours: outsideHours,
    };
  }
  const details = [
    ...timeOff.map((t) => ({
      field: "scheduled_start",
      message: `Overlaps the clinician's time off ${t.id} (${t.starts_at} to ${t.ends_at})`,
      time_off: t,
    })),
    ...(outsideHours
      ? [{ field: "scheduled_start", message: "Outside the clinician's working hours" }]
      : []),
  ];
  throw new ConflictError(
    timeOff.length > 0
      ? "The clinician is on time off then"
      : "The clinician does not work at that time",
    details,
  );
}
