/** Schemas of a patient's care team and of the access the patient shares with family members. */
import { z } from "@hono/zod-openapi";
import { FAMILY_SCOPES } from "../../db/schema/patients";

export const AddCareTeamMemberInput = z
  .object({ user_id: z.uuid().openapi({ description: "A clinician of the same workspace" }) })
  .openapi("AddCareTeamMemberInput");
export type AddCareTeamMemberInput = z.infer<typeof AddCareTeamMemberInput>;

export const CareTeamMember = z
  .object({
    user_id: z.string(),
    name: z.string(),
    role: z.string(),
    title: z.string().nullable(),
    added_by: z.string().nullable(),
    added_at: z.string(),
  })
  .openapi("CareTeamMember");

export const GrantFamilyAccessInput = z
  .object({
    family_user_id: z.uuid().openapi({ description: "A family-role user of the same workspace" }),
    scopes: z
      .array(z.enum(FAMILY_SCOPES))
      .min(1)
      .max(FAMILY_SCOPES.length)
      .refine((s) => new Set(s).size === s.length, "Each scope at most once")
      .openapi({ example: ["chat", "session_summaries"] }),
    relationship: z.string().trim().min(1).max(100).nullish().openapi({ example: "spouse" }),
  })
  .openapi("GrantFamilyAccessInput");
export type GrantFamilyAccessInput = z.infer<typeof GrantFamilyAccessInput>;

export const FamilyAccessGrant = z
  .object({
    id: z.string(),
    patient_id: z.string(),
    family_user_id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(FAMILY_SCOPES)),
    relationship: z.string().nullable(),
    granted_by: z.string(),
    created_at: z.string(),
  })
  .openapi("FamilyAccessGrant");

export const PatientIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "Patient id" }),
});

export const MemberParams = PatientIdParam.extend({
  user_id: z.uuid().openapi({ param: { name: "user_id", in: "path" } }),
});

export const FamilyMemberParams = PatientIdParam.extend({
  family_user_id: z.uuid().openapi({ param: { name: "family_user_id", in: "path" } }),
});
