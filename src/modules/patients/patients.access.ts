/**
 * How the patient verbs reach a record, on top of src/policy/policy.ts:
 * - the relation first (`accessPatient`: another workspace or a stranger's record is a 404 for a
 *   patient or family member, staff outside the care team get 403), so a refusal never tells a
 *   patient whether someone else's record exists;
 * - then the role: `permission` when the route needs one (e.g. a patient "writing" their own
 *   record through a clinical route is refused here), and family members never read a record or
 *   its clinical parts: no family scope covers them.
 * Every refusal leaves exactly one audit row.
 */
import { recordAudit, type AuditAction } from "../../lib/audit";
import { ForbiddenError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, requirePermission, type Permission } from "../../policy/policy";

/**
 * Loads a patient the caller may reach for `access`, then checks `permission` (when given) or,
 * for reads without one, that the caller is not a family member. Throws 404/403, audited once.
 */
export async function reachPatient(
  ctx: RequestContext,
  patientId: string,
  access: "read" | "write",
  action: AuditAction,
  permission?: Permission,
) {
  const patient = await accessPatient(ctx, patientId, access, { action });
  const caller = callerOf(ctx);
  const audit = { action, resourceType: "patient", resourceId: patientId };
  if (permission) {
    await requirePermission(ctx, permission, audit);
  } else if (caller.role === "family") {
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { reason: "scope" } });
    throw new ForbiddenError();
  }
  return { caller, patient };
}

/** Refuses (403, audited) a caller whose role is not `role`: routes about the caller's own record. */
export async function requireRole(
  ctx: RequestContext,
  role: "patient",
  audit: { action: AuditAction; resourceType: string },
) {
  const caller = callerOf(ctx);
  if (caller.role !== role) {
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { reason: "role" } });
    throw new ForbiddenError();
  }
  return caller;
}
