/**
 * A patient's clinical sub-records: diagnoses, medications, allergies and vital signs (seed 002
 * §1.3–1.6).
 * Invariants: every row carries the patient's `workspace_id`; free text and the dates tied to the
 * patient (diagnosis, medication, allergy, reaction, notes, diagnosed/start/end dates) and the
 * vital measurements are stored only encrypted, each bound to its table, column and row. Plain
 * columns are what queries filter or sort on: `is_active`, `severity`, `recorded_date`.
 */
import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, flag, id, timestamp, updatedAt, workspaceId } from "./columns";

export const ALLERGY_SEVERITIES = ["mild", "moderate", "severe"] as const;
export type AllergySeverity = (typeof ALLERGY_SEVERITIES)[number];

export const patientDiagnoses = sqliteTable(
  "patient_diagnoses",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    diagnosisEnc: text("diagnosis_enc").notNull(),
    diagnosedDateEnc: text("diagnosed_date_enc"),
    /** ICD-10 code when recorded (encrypted like the diagnosis it codes). */
    icd10CodeEnc: text("icd10_code_enc"),
    isActive: flag("is_active").notNull().default(true),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("patient_diagnoses_patient").on(t.patientId, t.isActive, t.createdAt)],
);

export const patientMedications = sqliteTable(
  "patient_medications",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    nameEnc: text("name_enc").notNull(),
    dosageEnc: text("dosage_enc"),
    frequencyEnc: text("frequency_enc"),
    startDateEnc: text("start_date_enc"),
    endDateEnc: text("end_date_enc"),
    prescribingDoctorId: text("prescribing_doctor_id"),
    isActive: flag("is_active").notNull().default(true),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("patient_medications_patient").on(t.patientId, t.isActive, t.createdAt)],
);

export const patientAllergies = sqliteTable(
  "patient_allergies",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    allergyEnc: text("allergy_enc").notNull(),
    severity: text("severity", { enum: ALLERGY_SEVERITIES }).notNull().default("mild"),
    reactionEnc: text("reaction_enc"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("patient_allergies_patient").on(t.patientId, t.createdAt)],
);

export const patientVitals = sqliteTable(
  "patient_vitals",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    recordedBy: text("recorded_by"),
    recordedDate: timestamp("recorded_date").notNull(),
    /** JSON of the measurements (systolic_bp, heart_rate…), encrypted as one value. */
    measurementsEnc: text("measurements_enc").notNull(),
    notesEnc: text("notes_enc"),
    createdAt: createdAt(),
  },
  (t) => [index("patient_vitals_patient_recorded").on(t.patientId, t.recordedDate)],
);
