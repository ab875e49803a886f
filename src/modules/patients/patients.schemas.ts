/**
 * Request and response schemas of the patient record (seed 002 §2.3, seed 001 clients), JSON
 * snake_case. Response schemas are written by hand, never derived from the tables, so a new column
 * cannot leak.
 */
import { z } from "@hono/zod-openapi";
import { PageQuery } from "../../lib/pagination";
import { Allergy, Diagnosis, Medication, Vital } from "./patient-records.schemas";

const today = () => new Date().toISOString().slice(0, 10);

export const IsoDate = z.iso.date().openapi({ example: "1985-03-15", format: "date" });

const Text = (max: number) => z.string().trim().min(1).max(max);
const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,20}$/, "Not a phone number")
  .openapi({ example: "+1234567890" });

export const BLOOD_TYPES = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"] as const;

export const EmergencyContact = z
  .object({
    name: Text(200),
    phone: Phone.nullish(),
    relationship: Text(100).nullish(),
  })
  .openapi("EmergencyContact");

/** Contact fields: the only ones a patient may change on their own record. */
const contactFields = {
  email: z.email().max(254).nullish().openapi({ example: "john.doe@example.com" }),
  phone_number: Phone.nullish(),
  address: Text(500).nullish().openapi({ example: "123 Main St, Springfield, IL" }),
  emergency_contact: EmergencyContact.nullish(),
};

const patientFields = {
  mrn: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .regex(/^[A-Za-z0-9._/-]+$/, "Letters, digits and . _ / - only")
    .openapi({ example: "MRN-001234" }),
  first_name: Text(100).openapi({ example: "John" }),
  last_name: Text(100).openapi({ example: "Doe" }),
  date_of_birth: IsoDate.refine((d) => d >= "1900-01-01" && d <= today(), {
    message: "Must be a past date, not before 1900",
  }),
  ...contactFields,
  blood_type: z.enum(BLOOD_TYPES).nullish(),
  consent_given: z.boolean().optional(),
  consent_date: z
    .union([z.iso.date(), z.iso.datetime({ offset: true })])
    .nullish()
    .openapi({ description: "When consent was given; defaults to now when consent_given is true" }),
  notes: Text(5000).nullish(),
  tags: z
    .array(Text(50))
    .max(20)
    .optional()
    .openapi({ example: ["vip", "knee"] }),
  user_id: z.uuid().nullish().openapi({ description: "The patient-role user of this record" }),
};

export const CreatePatientInput = z
  .object({
    ...patientFields,
    care_team: z
      .array(z.uuid())
      .max(20)
      .optional()
      .openapi({ description: "Clinician user ids; a clinician creating the record is added" }),
  })
  .openapi("CreatePatientInput");
export type CreatePatientInput = z.infer<typeof CreatePatientInput>;

export const UpdatePatientInput = z
  .object(patientFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "Give at least one field to change" })
  .openapi("UpdatePatientInput");
export type UpdatePatientInput = z.infer<typeof UpdatePatientInput>;

export const UpdateProfileInput = z
  .object({
    ...contactFields,
    consent_given: z.boolean().optional().openapi({
      description:
        "The patient gives (true) or withdraws (false) consent; the server dates it (seed 000)",
    }),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "Give at least one field to change" })
  .openapi("UpdatePatientProfileInput");
export type UpdateProfileInput = z.infer<typeof UpdateProfileInput>;

export const ListPatientsQuery = PageQuery.extend({
  search: z.string().trim().min(1).max(100).optional().openapi({
    description: "Exact MRN, or whole words of the first or last name (all must match)",
  }),
});
export type ListPatientsQuery = z.infer<typeof ListPatientsQuery>;

export const PatientSummary = z
  .object({
    id: z.string(),
    user_id: z.string().nullable(),
    mrn: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    name: z.string(),
    date_of_birth: z.string().nullable(),
    tags: z.array(z.string()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("PatientSummary");

export const Patient = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    user_id: z.string().nullable(),
    mrn: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    name: z.string(),
    date_of_birth: z.string().nullable(),
    email: z.string().nullable(),
    phone_number: z.string().nullable(),
    address: z.string().nullable(),
    emergency_contact: EmergencyContact.nullable(),
    blood_type: z.string().nullable(),
    notes: z.string().nullable(),
    tags: z.array(z.string()),
    consent_given: z.boolean(),
    consent_date: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Patient");

export const PatientDetail = Patient.extend({
  diagnoses: z.array(Diagnosis).openapi({ description: "Active diagnoses" }),
  medications: z.array(Medication).openapi({ description: "Active medications" }),
  allergies: z.array(Allergy),
  vitals: z.array(Vital).openapi({ description: "The latest readings, newest first (at most 5)" }),
}).openapi("PatientDetail");

/** Response types of the patient routes (tests: `api<Ok<PatientDetailResponse>>`). */
export type PatientSummaryResponse = z.infer<typeof PatientSummary>;
export type PatientResponse = z.infer<typeof Patient>;
export type PatientDetailResponse = z.infer<typeof PatientDetail>;
