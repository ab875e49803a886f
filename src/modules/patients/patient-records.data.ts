/**
 * Building and reading clinical sub-record rows: the only place that knows which of their fields
 * are encrypted (each bound to its table, column and row). Service verbs never touch `*_enc`.
 */
import { and, eq } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import {
  patientAllergies,
  patientDiagnoses,
  patientMedications,
  patientVitals,
} from "../../db/schema/patient-records";
import type { PhiCipher } from "../../lib/crypto/phi";
import { uuidv7 } from "../../lib/ids";
import {
  MEASUREMENT_NAMES,
  type CreateAllergyInput,
  type CreateDiagnosisInput,
  type CreateMedicationInput,
  type CreateVitalInput,
  type VitalMeasurements,
} from "./patient-records.schemas";

/** Rows of `table` that belong to the patient (scoped by workspace too). */
export const ownedBy = (
  table: { workspaceId: AnySQLiteColumn; patientId: AnySQLiteColumn },
  patient: { workspaceId: string; id: string },
) => and(eq(table.workspaceId, patient.workspaceId), eq(table.patientId, patient.id))!;

type Owner = { workspaceId: string; patientId: string; createdBy: string };

const cipher = (phi: PhiCipher, table: string, rowId: string) => ({
  enc: (column: string, value: string | null | undefined) =>
    phi.encryptOptional(value ?? null, { table, column, rowId }),
  dec: (column: string, value: string | null) =>
    phi.decryptOptional(value, { table, column, rowId }),
});

const stamps = () => {
  const now = new Date().toISOString();
  return { id: uuidv7(), createdAt: now, updatedAt: now };
};

export async function newDiagnosisRow(phi: PhiCipher, owner: Owner, input: CreateDiagnosisInput) {
  const base = stamps();
  const { enc } = cipher(phi, "patient_diagnoses", base.id);
  return {
    ...base,
    ...owner,
    diagnosisEnc: (await enc("diagnosis", input.diagnosis))!,
    diagnosedDateEnc: await enc("diagnosed_date", input.diagnosed_date),
    icd10CodeEnc: await enc("icd10_code", input.icd10_code),
    isActive: input.is_active,
  } satisfies typeof patientDiagnoses.$inferInsert;
}

export async function presentDiagnosis(phi: PhiCipher, row: typeof patientDiagnoses.$inferSelect) {
  const { dec } = cipher(phi, "patient_diagnoses", row.id);
  return {
    id: row.id,
    patient_id: row.patientId,
    diagnosis: (await dec("diagnosis", row.diagnosisEnc))!,
    diagnosed_date: await dec("diagnosed_date", row.diagnosedDateEnc),
    icd10_code: await dec("icd10_code", row.icd10CodeEnc),
    is_active: row.isActive,
    created_by: row.createdBy,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export async function newMedicationRow(phi: PhiCipher, owner: Owner, input: CreateMedicationInput) {
  const base = stamps();
  const { enc } = cipher(phi, "patient_medications", base.id);
  return {
    ...base,
    ...owner,
    nameEnc: (await enc("name", input.name))!,
    dosageEnc: await enc("dosage", input.dosage),
    frequencyEnc: await enc("frequency", input.frequency),
    startDateEnc: await enc("start_date", input.start_date),
    endDateEnc: await enc("end_date", input.end_date),
    prescribingDoctorId: input.prescribing_doctor_id ?? null,
    isActive: input.is_active,
  } satisfies typeof patientMedications.$inferInsert;
}

export async function presentMedication(
  phi: PhiCipher,
  row: typeof patientMedications.$inferSelect,
) {
  const { dec } = cipher(phi, "patient_medications", row.id);
  return {
    id: row.id,
    patient_id: row.patientId,
    name: (await dec("name", row.nameEnc))!,
    dosage: await dec("dosage", row.dosageEnc),
    frequency: await dec("frequency", row.frequencyEnc),
    start_date: await dec("start_date", row.startDateEnc),
    end_date: await dec("end_date", row.endDateEnc),
    prescribing_doctor_id: row.prescribingDoctorId,
    is_active: row.isActive,
    created_by: row.createdBy,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export async function newAllergyRow(phi: PhiCipher, owner: Owner, input: CreateAllergyInput) {
  const base = stamps();
  const { enc } = cipher(phi, "patient_allergies", base.id);
  return {
    ...base,
    ...owner,
    allergyEnc: (await enc("allergy", input.allergy))!,
    severity: input.severity,
    reactionEnc: await enc("reaction_description", input.reaction_description),
  } satisfies typeof patientAllergies.$inferInsert;
}

export async function presentAllergy(phi: PhiCipher, row: typeof patientAllergies.$inferSelect) {
  const { dec } = cipher(phi, "patient_allergies", row.id);
  return {
    id: row.id,
    patient_id: row.patientId,
    allergy: (await dec("allergy", row.allergyEnc))!,
    severity: row.severity,
    reaction_description: await dec("reaction_description", row.reactionEnc),
    created_by: row.createdBy,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export async function newVitalRow(phi: PhiCipher, owner: Owner, input: CreateVitalInput) {
  const { id, createdAt } = stamps();
  const { enc } = cipher(phi, "patient_vitals", id);
  const measurements = Object.fromEntries(
    MEASUREMENT_NAMES.filter((name) => typeof input[name] === "number").map((n) => [n, input[n]]),
  );
  return {
    id,
    workspaceId: owner.workspaceId,
    patientId: owner.patientId,
    recordedBy: owner.createdBy,
    recordedDate: input.recorded_date ? new Date(input.recorded_date).toISOString() : createdAt,
    measurementsEnc: (await enc("measurements", JSON.stringify(measurements)))!,
    notesEnc: await enc("notes", input.notes),
    createdAt,
  } satisfies typeof patientVitals.$inferInsert;
}

export async function presentVital(phi: PhiCipher, row: typeof patientVitals.$inferSelect) {
  const { dec } = cipher(phi, "patient_vitals", row.id);
  const values = JSON.parse((await dec("measurements", row.measurementsEnc))!) as VitalMeasurements;
  const measurements = Object.fromEntries(
    MEASUREMENT_NAMES.map((name) => [name, values[name] ?? null]),
  ) as Record<keyof VitalMeasurements, number | null>;
  return {
    id: row.id,
    patient_id: row.patientId,
    recorded_date: row.recordedDate,
    recorded_by: row.recordedBy,
    ...measurements,
    notes: await dec("notes", row.notesEnc),
    created_at: row.createdAt,
  };
}
