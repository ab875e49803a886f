/**
 * Code systems and identifiers of the FHIR R4 export (docs/fhir.md). Standard codes
 * (LOINC, UCUM, ICD-10, HL7 terminology) wherever one fits; the local systems below are ours and
 * stable: a consumer may key on them.
 */
import type { VitalMeasurements } from "../patients/patient-records.schemas";

export const FHIR_VERSION = "4.0.1";
export const FHIR_CONTENT_TYPE = "application/fhir+json; charset=utf-8";

/** The root of every local URI (code systems, identifier systems). */
export const LOCAL_BASE = "https://rehab-edge.dev/fhir";
/** The clinic's MRN system: one per workspace, so two clinics' MRNs never collide. */
export const mrnSystem = (workspaceId: string) => `${LOCAL_BASE}/sid/mrn/${workspaceId}`;
/** Users of the platform (clinicians), referred to by identifier: no Practitioner is exported. */
export const USER_SYSTEM = `${LOCAL_BASE}/sid/user`;
/** Exercises of the clinic's catalog (the code is the exercise type's slug). */
export const EXERCISE_SYSTEM = `${LOCAL_BASE}/CodeSystem/exercise-type`;
/** Measurements of an analysed exercise session that have no LOINC code. */
export const EXERCISE_METRIC_SYSTEM = `${LOCAL_BASE}/CodeSystem/exercise-metric`;
/** The API's error codes (VALIDATION_ERROR, NOT_FOUND…) inside OperationOutcome.issue.details. */
export const ERROR_CODE_SYSTEM = `${LOCAL_BASE}/CodeSystem/error-code`;

export const LOINC = "http://loinc.org";
export const UCUM = "http://unitsofmeasure.org";
export const ICD10 = "http://hl7.org/fhir/sid/icd-10";
export const OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
export const CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical";
export const CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category";
export const ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";

/** LOINC code, display and UCUM unit of each single-valued vital sign we record. */
export const VITAL_CODES: Record<
  Exclude<keyof VitalMeasurements, "systolic_bp" | "diastolic_bp">,
  { code: string; display: string; unit: string; ucum: string }
> = {
  heart_rate: { code: "8867-4", display: "Heart rate", unit: "beats/minute", ucum: "/min" },
  respiration_rate: {
    code: "9279-1",
    display: "Respiratory rate",
    unit: "breaths/minute",
    ucum: "/min",
  },
  oxygen_saturation: {
    code: "2708-6",
    display: "Oxygen saturation in Arterial blood",
    unit: "%",
    ucum: "%",
  },
  temperature: { code: "8310-5", display: "Body temperature", unit: "Cel", ucum: "Cel" },
  weight: { code: "29463-7", display: "Body weight", unit: "kg", ucum: "kg" },
  height: { code: "8302-2", display: "Body height", unit: "cm", ucum: "cm" },
};

export const BP_PANEL = {
  code: "85354-9",
  display: "Blood pressure panel with all children optional",
};
export const BP_SYSTOLIC = { code: "8480-6", display: "Systolic blood pressure" };
export const BP_DIASTOLIC = { code: "8462-4", display: "Diastolic blood pressure" };

/** Codes of EXERCISE_METRIC_SYSTEM. */
export const EXERCISE_METRICS = {
  repetitions: "repetition-count",
  rangeOfMotion: "range-of-motion",
  /** A component of range-of-motion: `range-of-motion.<joint>` (e.g. range-of-motion.left_knee). */
  joint: (joint: string) => `range-of-motion.${joint}`,
} as const;

/** LOINC 11506-3 "Progress note": the document type of an exported clinical note. */
export const NOTE_TYPE = { code: "11506-3", display: "Progress note" };
