/**
 * A patient record with its clinical parts, as `GET /patients/{id}` and `GET /patients/profile`
 * answer it: active diagnoses and medications, allergies, the latest vitals. The caller has been
 * let through already; the sub-records and the read's audit entry share one round trip.
 */
import { and, desc, eq } from "drizzle-orm";
import {
  patientAllergies,
  patientDiagnoses,
  patientMedications,
  patientVitals,
} from "../../db/schema/patient-records";
import { auditEntry, type AuditAction } from "../../lib/audit";
import type { RequestContext } from "../../middleware/request-context";
import {
  ownedBy,
  presentAllergy,
  presentDiagnosis,
  presentMedication,
  presentVital,
} from "./patient-records.data";
import { presentPatient, type PatientRow } from "./patients.data";

/** How many of the latest vital-sign readings the record shows. */
export const LATEST_VITALS = 5;

export async function loadPatientDetail(
  ctx: RequestContext,
  patient: PatientRow,
  audit: { action: AuditAction; metadata?: Record<string, unknown> },
) {
  const { orm } = ctx.db;
  const scope = (table: Parameters<typeof ownedBy>[0]) => ownedBy(table, patient);
  const [diagnoses, medications, allergies, vitals] = await ctx.db.read([
    orm
      .select()
      .from(patientDiagnoses)
      .where(and(scope(patientDiagnoses), eq(patientDiagnoses.isActive, true)))
      .orderBy(desc(patientDiagnoses.createdAt)),
    orm
      .select()
      .from(patientMedications)
      .where(and(scope(patientMedications), eq(patientMedications.isActive, true)))
      .orderBy(desc(patientMedications.createdAt)),
    orm
      .select()
      .from(patientAllergies)
      .where(scope(patientAllergies))
      .orderBy(desc(patientAllergies.createdAt)),
    orm
      .select()
      .from(patientVitals)
      .where(scope(patientVitals))
      .orderBy(desc(patientVitals.recordedDate))
      .limit(LATEST_VITALS),
    (
      await auditEntry(ctx, {
        ...audit,
        resourceType: "patient",
        resourceId: patient.id,
      })
    ).query,
  ]);
  const { phi } = ctx;
  return {
    ...(await presentPatient(phi, patient)),
    diagnoses: await Promise.all(diagnoses.map((row) => presentDiagnosis(phi, row))),
    medications: await Promise.all(medications.map((row) => presentMedication(phi, row))),
    allergies: await Promise.all(allergies.map((row) => presentAllergy(phi, row))),
    vitals: await Promise.all(vitals.map((row) => presentVital(phi, row))),
  };
}
