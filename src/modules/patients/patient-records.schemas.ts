/**
 * Schemas of a patient's clinical sub-records (seed 002 §1.3–1.6, §2.3): diagnoses, medications,
 * allergies and vital signs. Vital signs are checked against physiological ranges; an
 * out-of-range value is a 422 that names the field.
 */
import { z } from "@hono/zod-openapi";
import { ALLERGY_SEVERITIES } from "../../db/schema/patient-records";
import { PageQuery } from "../../lib/pagination";

const Text = (max: number) => z.string().trim().min(1).max(max);
const Day = z.iso.date().openapi({ example: "2023-06-01", format: "date" });
const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
/** Allowed clock skew for a reading "recorded now" on a device. */
const FUTURE_SKEW_MS = 5 * 60_000;

export const CreateDiagnosisInput = z
  .object({
    diagnosis: Text(255).openapi({ example: "Type 2 Diabetes" }),
    diagnosed_date: Day.nullish(),
    icd10_code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/, "Must be an ICD-10 code such as E11.9")
      .nullish()
      .openapi({ example: "E11.9" }),
    is_active: z.boolean().default(true),
  })
  .openapi("CreateDiagnosisInput");
export type CreateDiagnosisInput = z.infer<typeof CreateDiagnosisInput>;

export const CreateMedicationInput = z
  .object({
    name: Text(255).openapi({ example: "Metformin" }),
    dosage: Text(100).nullish().openapi({ example: "1000mg" }),
    frequency: Text(100).nullish().openapi({ example: "Twice Daily" }),
    start_date: Day.nullish(),
    end_date: Day.nullish(),
    prescribing_doctor_id: z.uuid().nullish(),
    is_active: z.boolean().default(true),
  })
  .refine((m) => !m.start_date || !m.end_date || m.end_date >= m.start_date, {
    message: "Must not be before start_date",
    path: ["end_date"],
  })
  .openapi("CreateMedicationInput");
export type CreateMedicationInput = z.infer<typeof CreateMedicationInput>;

export const CreateAllergyInput = z
  .object({
    allergy: Text(255).openapi({ example: "Penicillin" }),
    severity: z.enum(ALLERGY_SEVERITIES).default("mild"),
    reaction_description: Text(2000).nullish().openapi({ example: "Causes rash" }),
  })
  .openapi("CreateAllergyInput");
export type CreateAllergyInput = z.infer<typeof CreateAllergyInput>;

const range = (min: number, max: number, unit: string, int = false) =>
  (int ? z.number().int() : z.number())
    .min(min, `Must be between ${min} and ${max} ${unit}`)
    .max(max, `Must be between ${min} and ${max} ${unit}`)
    .nullish()
    .openapi({ minimum: min, maximum: max, description: unit });

export const VITAL_MEASUREMENTS = {
  systolic_bp: range(60, 260, "mmHg", true),
  diastolic_bp: range(30, 160, "mmHg", true),
  heart_rate: range(20, 250, "beats/min", true),
  temperature: range(30, 45, "°C"),
  respiration_rate: range(4, 60, "breaths/min", true),
  oxygen_saturation: range(50, 100, "%"),
  weight: range(0.5, 400, "kg"),
  height: range(30, 250, "cm"),
};
export type VitalMeasurements = {
  [K in keyof typeof VITAL_MEASUREMENTS]?: number | null;
};
export const MEASUREMENT_NAMES = Object.keys(VITAL_MEASUREMENTS) as (keyof VitalMeasurements)[];

export const CreateVitalInput = z
  .object({
    ...VITAL_MEASUREMENTS,
    notes: Text(2000).nullish(),
    recorded_date: Instant.optional().openapi({ description: "Defaults to now" }),
  })
  .superRefine((v, ctx) => {
    if (MEASUREMENT_NAMES.every((name) => v[name] === undefined || v[name] === null)) {
      ctx.addIssue({
        code: "custom",
        path: ["body"],
        message: `Give at least one measurement (${MEASUREMENT_NAMES.join(", ")})`,
      });
    }
    if (typeof v.systolic_bp === "number" && typeof v.diastolic_bp === "number") {
      if (v.diastolic_bp >= v.systolic_bp) {
        ctx.addIssue({
          code: "custom",
          path: ["diastolic_bp"],
          message: "Must be below systolic_bp",
        });
      }
    }
    if (v.recorded_date && Date.parse(v.recorded_date) > Date.now() + FUTURE_SKEW_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["recorded_date"],
        message: "Must not be in the future",
      });
    }
  })
  .openapi("CreateVitalInput");
export type CreateVitalInput = z.infer<typeof CreateVitalInput>;

/** A range bound as an ISO instant: a date covers its whole UTC day. */
export const startOf = (v: string) =>
  v.length === 10 ? `${v}T00:00:00.000Z` : new Date(v).toISOString();
export const endOf = (v: string) =>
  v.length === 10 ? `${v}T23:59:59.999Z` : new Date(v).toISOString();

export const VitalsQuery = PageQuery.extend({
  start_date: Instant.optional().openapi({ description: "From this date or instant (inclusive)" }),
  end_date: Instant.optional().openapi({ description: "Up to this date or instant (inclusive)" }),
}).refine((q) => !q.start_date || !q.end_date || startOf(q.start_date) <= endOf(q.end_date), {
  message: "Must not be before start_date",
  path: ["end_date"],
});
export type VitalsQuery = z.infer<typeof VitalsQuery>;

const recordMeta = {
  id: z.string(),
  patient_id: z.string(),
  created_by: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

export const Diagnosis = z
  .object({
    ...recordMeta,
    diagnosis: z.string(),
    diagnosed_date: z.string().nullable(),
    icd10_code: z.string().nullable(),
    is_active: z.boolean(),
  })
  .openapi("Diagnosis");

export const Medication = z
  .object({
    ...recordMeta,
    name: z.string(),
    dosage: z.string().nullable(),
    frequency: z.string().nullable(),
    start_date: z.string().nullable(),
    end_date: z.string().nullable(),
    prescribing_doctor_id: z.string().nullable(),
    is_active: z.boolean(),
  })
  .openapi("Medication");

export const Allergy = z
  .object({
    ...recordMeta,
    allergy: z.string(),
    severity: z.enum(ALLERGY_SEVERITIES),
    reaction_description: z.string().nullable(),
  })
  .openapi("Allergy");

const measurementOut = z.number().nullable();
export const Vital = z
  .object({
    id: z.string(),
    patient_id: z.string(),
    recorded_date: z.string(),
    recorded_by: z.string().nullable(),
    systolic_bp: measurementOut,
    diastolic_bp: measurementOut,
    heart_rate: measurementOut,
    temperature: measurementOut,
    respiration_rate: measurementOut,
    oxygen_saturation: measurementOut,
    weight: measurementOut,
    height: measurementOut,
    notes: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Vital");
