/**
 * Patients and who may see them.
 * Invariants: identifying and clinical free text is stored only encrypted; MRN is unique per
 * workspace through its blind index; name search goes through `patient_search_tokens`; the phone
 * has a blind index too (`phone_index`), written with it, so an SMS send finds the patient of a number.
 * A clinician sees a patient only through a `care_team_members` row; a family member only through
 * an unrevoked `family_access` grant, and only within its scopes.
 */
import { sql } from "drizzle-orm";
import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, flag, id, timestamp, updatedAt, workspaceId } from "./columns";

export const patients = sqliteTable(
  "patients",
  {
    id: id(),
    workspaceId: workspaceId(),
    userId: text("user_id"),
    mrnEnc: text("mrn_enc").notNull(),
    mrnIndex: text("mrn_index").notNull(),
    firstNameEnc: text("first_name_enc").notNull(),
    lastNameEnc: text("last_name_enc").notNull(),
    dateOfBirthEnc: text("date_of_birth_enc"),
    emailEnc: text("email_enc"),
    phoneEnc: text("phone_enc"),
    /** Blind index of the phone's normal form (src/lib/phone.ts): who may be texted at a number. */
    phoneIndex: text("phone_index"),
    addressEnc: text("address_enc"),
    emergencyContactEnc: text("emergency_contact_enc"),
    bloodTypeEnc: text("blood_type_enc"),
    notesEnc: text("notes_enc"),
    tagsEnc: text("tags_enc"),
    consentGiven: flag("consent_given").notNull().default(false),
    consentDate: timestamp("consent_date"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp("deleted_at"),
  },
  (t) => [
    uniqueIndex("patients_workspace_mrn").on(t.workspaceId, t.mrnIndex),
    index("patients_workspace_created").on(t.workspaceId, t.createdAt),
    index("patients_user").on(t.userId),
    index("patients_workspace_phone").on(t.workspaceId, t.phoneIndex),
    // One live record per patient account, so concurrent links cannot attach it twice.
    uniqueIndex("patients_workspace_user_live")
      .on(t.workspaceId, t.userId)
      .where(sql`${t.userId} is not null and ${t.deletedAt} is null`),
  ],
);

export const patientSearchTokens = sqliteTable(
  "patient_search_tokens",
  {
    workspaceId: workspaceId(),
    token: text("token").notNull(),
    patientId: text("patient_id").notNull(),
  },
  (t) => [
    uniqueIndex("patient_search_tokens_pk").on(t.workspaceId, t.token, t.patientId),
    index("patient_search_tokens_patient").on(t.patientId),
  ],
);

export const careTeamMembers = sqliteTable(
  "care_team_members",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    userId: text("user_id").notNull(),
    addedBy: text("added_by"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("care_team_patient_user").on(t.patientId, t.userId),
    index("care_team_user").on(t.userId, t.patientId),
  ],
);

export const FAMILY_SCOPES = ["chat", "session_summaries", "appointments", "exercises"] as const;
export type FamilyScope = (typeof FAMILY_SCOPES)[number];

export const familyAccess = sqliteTable(
  "family_access",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    familyUserId: text("family_user_id").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<FamilyScope[]>().notNull(),
    relationship: text("relationship"),
    grantedBy: text("granted_by").notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at"),
  },
  (t) => [
    uniqueIndex("family_access_patient_user").on(t.patientId, t.familyUserId),
    index("family_access_user").on(t.familyUserId),
  ],
);
