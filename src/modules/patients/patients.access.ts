/**
 * How the patient verbs reach a record, on top of src/policy/policy.ts:
 * - the role first, before any lookup, so its 403 is the same for every id: `permission` when the
 *   route needs one (e.g. a patient "writing" their own record through a clinical route), and
 *   family members never read the chart or its clinical parts (they get `familyView` instead);
 * - then the relation (`accessPatient`): another workspace, an unknown id or a record outside the
 *   caller's relation are the same 404, so no refusal tells whether a record exists.
 * Every refusal leaves exactly one audit row.
 */
import { recordAudit, type AuditAction } from "../../lib/audit";
import { ForbiddenError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, requirePermission, type Permission } from "../../policy/policy";

/**
 * Checks `permission` (when given) or, for reads without one, that the caller is not a family
 * member; then loads a patient the caller may reach for `access`. Throws 403/404, audited once.
 */
export async function reachPatient(
  ctx: RequestContext,
  patientId: string,
  access: "read" | "write",
  action: AuditAction,
  permission?: Permission,
) {
  const caller = callerOf(ctx);
  const audit = { action, resourceType: "patient", resourceId: patientId };
  if (permission) {
    await requirePermission(ctx, permission, audit);
  } else if (caller.role === "family") {
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { reason: "scope" } });
    throw new ForbiddenError();
  }
  const patient = await accessPatient(ctx, patientId, access, { action });
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
