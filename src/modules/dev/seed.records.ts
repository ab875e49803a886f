/**
 * The demo patients' clinical records, so each chart has something to show: diagnoses,
 * medications, allergies and a few weeks of vital signs. Written by the service verbs the API
 * calls (`POST /patients/{id}/diagnoses` …), as the doctor or the physiotherapist on the care team,
 * so every row is encrypted and audited like real use. Vital signs take a past `recorded_date`
 * through the verb itself (the route accepts one), so nothing needs backdating.
 */
import type { RequestContext } from "../../middleware/request-context";
import {
  addAllergy,
  addDiagnosis,
  addMedication,
  recordVitals,
} from "../patients/patient-records.service";
import {
  CreateAllergyInput,
  CreateDiagnosisInput,
  CreateMedicationInput,
  CreateVitalInput,
} from "../patients/patient-records.schemas";

const DAY_MS = 86_400_000;

type Records = {
  /** Who writes them: a clinician on this patient's care team. */
  by: "doctor" | "physio";
  diagnoses: { diagnosis: string; icd10_code: string; days_ago: number }[];
  medications: { name: string; dosage: string; frequency: string; days_ago: number }[];
  allergies: { allergy: string; severity: "mild" | "moderate" | "severe"; reaction: string }[];
  /** One reading a week, oldest first: [systolic, diastolic, heart rate, weight kg]. */
  weekly: [number, number, number, number][];
};

const RECORDS: Record<string, Records> = {
  "patient.john": {
    by: "doctor",
    diagnoses: [
      {
        diagnosis: "Rupture of anterior cruciate ligament, left knee",
        icd10_code: "S83.512",
        days_ago: 60,
      },
      { diagnosis: "Essential hypertension", icd10_code: "I10", days_ago: 900 },
    ],
    medications: [
      {
        name: "Ibuprofen",
        dosage: "400 mg",
        frequency: "Up to three times daily with food",
        days_ago: 40,
      },
      { name: "Lisinopril", dosage: "10 mg", frequency: "Once daily", days_ago: 880 },
    ],
    allergies: [{ allergy: "Penicillin", severity: "moderate", reaction: "Hives" }],
    weekly: [
      [142, 91, 78, 86.4],
      [138, 88, 76, 86.0],
      [135, 86, 74, 85.7],
      [131, 84, 72, 85.1],
      [128, 82, 71, 84.8],
      [126, 81, 70, 84.5],
    ],
  },
  "patient.maria": {
    by: "physio",
    diagnoses: [
      {
        diagnosis: "Rotator cuff tendinopathy, right shoulder",
        icd10_code: "M75.11",
        days_ago: 35,
      },
    ],
    medications: [
      {
        name: "Paracetamol",
        dosage: "1 g",
        frequency: "As needed, at most four times daily",
        days_ago: 30,
      },
    ],
    allergies: [{ allergy: "Latex", severity: "mild", reaction: "Skin redness on contact" }],
    weekly: [
      [118, 76, 68, 62.0],
      [117, 75, 66, 61.8],
      [119, 77, 67, 61.9],
      [116, 74, 65, 61.6],
    ],
  },
  "patient.wei": {
    by: "doctor",
    diagnoses: [
      { diagnosis: "Presence of right artificial knee joint", icd10_code: "Z96.651", days_ago: 21 },
      {
        diagnosis: "Type 2 diabetes mellitus without complications",
        icd10_code: "E11.9",
        days_ago: 2000,
      },
    ],
    medications: [
      { name: "Metformin", dosage: "1000 mg", frequency: "Twice daily", days_ago: 1990 },
      {
        name: "Apixaban",
        dosage: "2.5 mg",
        frequency: "Twice daily for 35 days after surgery",
        days_ago: 20,
      },
    ],
    allergies: [
      { allergy: "Sulfonamides", severity: "severe", reaction: "Rash with fever" },
      { allergy: "Codeine", severity: "mild", reaction: "Nausea" },
    ],
    weekly: [
      [150, 88, 84, 74.2],
      [146, 86, 80, 73.9],
      [141, 84, 77, 73.5],
    ],
  },
};

const day = (now: number, daysAgo: number) =>
  new Date(now - daysAgo * DAY_MS).toISOString().slice(0, 10);

/**
 * Writes the clinical records of each demo patient. `as(key)` is the context of a demo user,
 * `record(key)` the patient record id of a patient user key.
 */
export async function seedRecords(
  as: (key: string) => RequestContext,
  record: (key: string) => string,
  now: number,
) {
  for (const [patientKey, r] of Object.entries(RECORDS)) {
    const ctx = as(r.by);
    const id = record(patientKey);
    for (const d of r.diagnoses)
      await addDiagnosis(
        ctx,
        id,
        CreateDiagnosisInput.parse({
          diagnosis: d.diagnosis,
          icd10_code: d.icd10_code,
          diagnosed_date: day(now, d.days_ago),
        }),
      );
    for (const m of r.medications)
      await addMedication(
        ctx,
        id,
        CreateMedicationInput.parse({
          name: m.name,
          dosage: m.dosage,
          frequency: m.frequency,
          start_date: day(now, m.days_ago),
        }),
      );
    for (const a of r.allergies)
      await addAllergy(
        ctx,
        id,
        CreateAllergyInput.parse({
          allergy: a.allergy,
          severity: a.severity,
          reaction_description: a.reaction,
        }),
      );
    const weeks = r.weekly.length;
    for (const [i, [systolic, diastolic, pulse, weight]] of r.weekly.entries())
      await recordVitals(
        ctx,
        id,
        CreateVitalInput.parse({
          systolic_bp: systolic,
          diastolic_bp: diastolic,
          heart_rate: pulse,
          weight,
          // Weekly, the newest one day ago, each at 09:30 UTC.
          recorded_date: `${day(now, 1 + (weeks - 1 - i) * 7)}T09:30:00.000Z`,
        }),
      );
  }
}
