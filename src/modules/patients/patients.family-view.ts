/**
 * What a family member sees of a patient: a summary, never the chart. `familyView` is the ONE
 * function that shapes it; every path a family member can reach a patient through (lists, detail,
 * search, socket events, and later session summaries and chats) builds its payload with it.
 *
 * Invariants: the base is the patient's display name, the grant's relationship and scopes; a
 * section appears only when the grant holds its scope, whatever the caller passed in, so a loader
 * that fetched too much still cannot leak it. Never MRN, date of birth, contact details, diagnoses,
 * medications, allergies, vitals, notes or tags: no field of the shape can hold them.
 */
import { z } from "@hono/zod-openapi";
import { FAMILY_SCOPES, type FamilyScope } from "../../db/schema/patients";
import type { PhiCipher } from "../../lib/crypto/phi";
import { patientRef } from "./patients.data";

export const FamilyAppointment = z
  .object({
    id: z.string(),
    scheduled_start: z.string(),
    scheduled_end: z.string(),
    status: z.string(),
    clinician_name: z.string().nullable(),
  })
  .openapi("FamilyAppointment");

export const FamilyAssignment = z
  .object({
    id: z.string(),
    exercise_name: z.string(),
    sets: z.number().nullable(),
    repetitions: z.number().nullable(),
    frequency: z.unknown().nullable(),
    status: z.string(),
    due_date: z.string().nullable(),
    completed_at: z.string().nullable(),
  })
  .openapi("FamilyAssignment");

export const FamilyAdherence = z
  .object({
    total: z.number().int(),
    completed: z.number().int(),
    not_completed: z.number().int(),
    pending: z.number().int(),
    completion_rate: z
      .number()
      .nullable()
      .openapi({ description: "completed / (total - pending)" }),
  })
  .openapi("FamilyAdherence");

/** Per-scope sections. Session summaries and the Family Update chat plug in here when they land. */
export const FamilySections = z.object({
  upcoming_appointments: z.array(FamilyAppointment).optional().openapi({
    description: "Scope `appointments`: upcoming appointment times and the clinician's name",
  }),
  exercises: z
    .object({ assignments: z.array(FamilyAssignment), adherence: FamilyAdherence })
    .optional()
    .openapi({ description: "Scope `exercises`: assignments and adherence" }),
});
export type FamilySections = z.infer<typeof FamilySections>;

/** Which scope each section belongs to: a section is dropped unless the grant holds its scope. */
const SECTION_SCOPE: Record<keyof FamilySections, FamilyScope> = {
  upcoming_appointments: "appointments",
  exercises: "exercises",
};

export const FamilyPatientView = z
  .object({
    id: z.string(),
    view: z.literal("family"),
    name: z.string().openapi({ description: "The patient's display name" }),
    relationship: z.string().nullable(),
    scopes: z.array(z.enum(FAMILY_SCOPES)),
  })
  .extend(FamilySections.shape)
  .openapi("FamilyPatientView");
export type FamilyPatientView = z.infer<typeof FamilyPatientView>;

export type FamilyGrant = { relationship: string | null; scopes: FamilyScope[] };
export type FamilyPatientRef = { id: string; firstNameEnc: string; lastNameEnc: string };

/**
 * A patient as a family member with `grant` may see them: display name, relationship, scopes and
 * the `sections` whose scope the grant holds (others are dropped).
 */
export async function familyView(
  phi: PhiCipher,
  patient: FamilyPatientRef,
  grant: FamilyGrant,
  sections: FamilySections = {},
): Promise<FamilyPatientView> {
  const [first, last] = await Promise.all([
    phi.decrypt(patient.firstNameEnc, patientRef(patient.id, "first_name")),
    phi.decrypt(patient.lastNameEnc, patientRef(patient.id, "last_name")),
  ]);
  const view: FamilyPatientView = {
    id: patient.id,
    view: "family",
    name: `${first} ${last}`,
    relationship: grant.relationship,
    scopes: [...grant.scopes],
  };
  for (const key of Object.keys(SECTION_SCOPE) as (keyof FamilySections)[]) {
    if (sections[key] !== undefined && grant.scopes.includes(SECTION_SCOPE[key])) {
      Object.assign(view, { [key]: sections[key] });
    }
  }
  return view;
}
