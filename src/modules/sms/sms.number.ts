/**
 * Each workspace's own SMS sender number: what its outbound SMS carry as `From`, and what routes
 * an incoming SMS (Twilio's `To`) back to it.
 *
 * Invariants: a number belongs to at most one workspace (unique index on `workspaces.sms_number`),
 * so routing by `To` can never pick between clinics; a workspace without a number sends nothing
 * (409 naming the setting), rather than borrowing a number another clinic's replies would follow.
 */
import { eq } from "drizzle-orm";
import { workspaces } from "../../db/schema/workspaces";
import { auditEntry } from "../../lib/audit";
import { isUniqueViolation } from "../../lib/db";
import { ConflictError } from "../../lib/errors";
import { normalisePhone } from "../../lib/phone";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import type { SmsNumberInput } from "./sms.schemas";

/** The query reading a workspace's sender number (to ride along in a read batch). */
export const senderNumberQuery = (ctx: RequestContext, workspaceId: string) =>
  ctx.db.orm
    .select({ smsNumber: workspaces.smsNumber })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId))
    .limit(1);

/** The refusal of a send from a workspace with no sender number. */
export const noSenderNumber = () =>
  new ConflictError(
    "This workspace has no SMS sender number; an admin sets it with PUT /api/v1/messaging/sms-number",
    [{ field: "sms_number", message: "Not set for this workspace" }],
  );

/** The one workspace that owns a number Twilio delivered to (`To`), or null. */
export async function workspaceOwning(ctx: RequestContext, to: string) {
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: workspaces.id })
      .from(workspaces)
      .where(eq(workspaces.smsNumber, normalisePhone(to)))
      .limit(1),
  ]);
  return rows[0]?.id ?? null;
}

/** The caller's workspace sender number (admins only, 'sms.configure'). */
export async function getSmsNumber(ctx: RequestContext) {
  const caller = await requirePermission(ctx, "sms.configure", {
    action: "workspace.read",
    resourceType: "workspace",
  });
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ smsNumber: workspaces.smsNumber, updatedAt: workspaces.updatedAt })
      .from(workspaces)
      .where(eq(workspaces.id, caller.workspaceId))
      .limit(1),
  ]);
  return { phone_number: rows[0]?.smsNumber ?? null, updated_at: rows[0]?.updatedAt ?? null };
}

/**
 * Sets (or, with null, releases) the caller's workspace sender number. Admins only; 409
 * DUPLICATE_ENTRY when another workspace owns the number. Audited as `workspace.updated`.
 */
export async function setSmsNumber(ctx: RequestContext, input: SmsNumberInput) {
  const caller = await requirePermission(ctx, "sms.configure", {
    action: "workspace.updated",
    resourceType: "workspace",
  });
  const smsNumber = input.phone_number === null ? null : normalisePhone(input.phone_number);
  const now = new Date().toISOString();
  try {
    await ctx.db.write([
      ctx.db.orm
        .update(workspaces)
        .set({ smsNumber, updatedAt: now })
        .where(eq(workspaces.id, caller.workspaceId)),
      (
        await auditEntry(ctx, {
          action: "workspace.updated",
          resourceType: "workspace",
          resourceId: caller.workspaceId,
          metadata: { fields: ["sms_number"] },
        })
      ).query,
    ]);
  } catch (error) {
    if (!isUniqueViolation(error, "workspaces.sms_number")) throw error;
    throw new ConflictError(
      "This number is already another workspace's sender number",
      [{ field: "phone_number", message: "Already in use" }],
      "DUPLICATE_ENTRY",
    );
  }
  return { phone_number: smsNumber, updated_at: now };
}
