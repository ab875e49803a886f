/**
 * `GET/PUT /patients/profile`: a patient-role caller's own record. The record is found through
 * the policy's visibility (for a patient: the record linked to their user), never by an id the
 * client sends; the update may change contact fields and the patient's own consent, which the
 * server dates (given anew: now; withdrawn: no date; given again while given: unchanged).
 */
import { and, isNull } from "drizzle-orm";
import { patients } from "../../db/schema/patients";
import { recordAudit, type AuditAction } from "../../lib/audit";
import { NotFoundError } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import { patientVisibility } from "../../policy/policy";
import { requireRole } from "./patients.access";
import { loadPatientDetail } from "./patients.detail";
import { patientFieldsOf } from "./patients.data";
import type { UpdateProfileInput } from "./patients.schemas";
import { writePatientChange } from "./patients.service";

async function ownRecord(ctx: RequestContext, action: AuditAction) {
  const caller = await requireRole(ctx, "patient", { action, resourceType: "patient" });
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(patients)
      .where(and(patientVisibility(caller), isNull(patients.deletedAt)))
      .limit(1),
  ]);
  if (!rows[0]) {
    await recordAudit(ctx, { action, resourceType: "patient", outcome: "not_found" });
    throw new NotFoundError("Patient record");
  }
  return rows[0];
}

/** The caller's own record with its clinical parts (patients only). */
export async function getOwnProfile(ctx: RequestContext) {
  const patient = await ownRecord(ctx, "patient.read");
  return loadPatientDetail(ctx, patient, { action: "patient.read", metadata: { via: "profile" } });
}

/** Changes the caller's own contact fields (phone, address, email, emergency contact) and consent. */
export async function updateOwnProfile(ctx: RequestContext, input: UpdateProfileInput) {
  const patient = await ownRecord(ctx, "patient.updated");
  const fields = patientFieldsOf(input);
  if (input.consent_given !== undefined) {
    fields.consentDate = !input.consent_given
      ? null
      : patient.consentGiven
        ? patient.consentDate
        : new Date().toISOString();
  }
  return writePatientChange(ctx, patient, fields, Object.keys(input).sort(), { via: "profile" });
}
