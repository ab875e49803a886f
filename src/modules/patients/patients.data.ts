/**
 * Building and reading patient rows: the only place that knows which patient fields are encrypted
 * (each bound to its row and column) and which blind indexes serve search.
 */
import { patientSearchTokens, patients } from "../../db/schema/patients";
import type { PhiCipher } from "../../lib/crypto/phi";
import { named } from "../../lib/db";
import { uuidv7 } from "../../lib/ids";
import { phoneIndexOf } from "../../lib/phone";

export type EmergencyContact = {
  name: string;
  phone?: string | null;
  relationship?: string | null;
};

export type PatientFields = {
  mrn: string;
  firstName: string;
  lastName: string;
  dateOfBirth?: string | null;
  email?: string | null;
  phone?: string | null;
  address?: string | null;
  emergencyContact?: EmergencyContact | null;
  bloodType?: string | null;
  notes?: string | null;
  tags?: string[] | null;
  consentGiven?: boolean;
  consentDate?: string | null;
  userId?: string | null;
};

export const patientRef = (id: string, column: string) => ({
  table: "patients",
  column,
  rowId: id,
});

export const mrnIndex = (phi: PhiCipher, mrn: string) => phi.blindIndex("patient.mrn", mrn);
export const nameTokens = (phi: PhiCipher, ...parts: (string | null | undefined)[]) =>
  phi.nameTokens("patient.name", ...parts);

/** Encrypted column values for the fields present in `input` (a partial update encrypts only those). */
export async function encryptPatientFields(
  phi: PhiCipher,
  id: string,
  input: Partial<PatientFields>,
) {
  const enc = (column: string, value: string | null | undefined) =>
    value === undefined ? undefined : phi.encryptOptional(value, patientRef(id, column));
  const json = (value: unknown) =>
    value === undefined ? undefined : value === null ? null : JSON.stringify(value);
  const values = {
    mrnEnc: await enc("mrn", input.mrn),
    mrnIndex: input.mrn === undefined ? undefined : await mrnIndex(phi, input.mrn),
    firstNameEnc: await enc("first_name", input.firstName),
    lastNameEnc: await enc("last_name", input.lastName),
    dateOfBirthEnc: await enc("date_of_birth", input.dateOfBirth),
    emailEnc: await enc("email", input.email?.toLowerCase() ?? input.email),
    phoneEnc: await enc("phone", input.phone),
    phoneIndex:
      input.phone === undefined
        ? undefined
        : input.phone
          ? await phoneIndexOf(phi, input.phone)
          : null,
    addressEnc: await enc("address", input.address),
    emergencyContactEnc: await enc("emergency_contact", json(input.emergencyContact)),
    bloodTypeEnc: await enc("blood_type", input.bloodType),
    notesEnc: await enc("notes", input.notes),
    tagsEnc: await enc("tags", json(input.tags)),
    consentGiven: input.consentGiven,
    consentDate: input.consentDate,
    userId: input.userId,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<
    typeof patients.$inferInsert
  >;
}

export async function newPatientRows(
  phi: PhiCipher,
  workspaceId: string,
  input: PatientFields,
  createdBy: string | null,
  id = uuidv7(),
) {
  const now = new Date().toISOString();
  const row = {
    id,
    workspaceId,
    createdBy,
    createdAt: now,
    updatedAt: now,
    consentGiven: input.consentGiven ?? false,
    ...(await encryptPatientFields(phi, id, input)),
  } as typeof patients.$inferInsert;
  const tokens = (await nameTokens(phi, input.firstName, input.lastName)).map((token) => ({
    workspaceId,
    token,
    patientId: id,
  })) satisfies (typeof patientSearchTokens.$inferInsert)[];
  return { id, row, tokens };
}

export type PatientRow = typeof patients.$inferSelect;

/** The record's own fields, decrypted (sub-records such as diagnoses are added by the caller). */
export async function presentPatient(phi: PhiCipher, p: PatientRow) {
  const dec = (column: string, value: string | null) =>
    phi.decryptOptional(value, patientRef(p.id, column));
  const parse = <T>(value: string | null): T | null =>
    value === null ? null : (JSON.parse(value) as T);
  const firstName = (await dec("first_name", p.firstNameEnc))!;
  const lastName = (await dec("last_name", p.lastNameEnc))!;
  return {
    id: p.id,
    workspace_id: p.workspaceId,
    user_id: p.userId,
    mrn: (await dec("mrn", p.mrnEnc))!,
    first_name: firstName,
    last_name: lastName,
    name: `${firstName} ${lastName}`,
    date_of_birth: await dec("date_of_birth", p.dateOfBirthEnc),
    email: await dec("email", p.emailEnc),
    phone_number: await dec("phone", p.phoneEnc),
    address: await dec("address", p.addressEnc),
    emergency_contact: parse<EmergencyContact>(
      await dec("emergency_contact", p.emergencyContactEnc),
    ),
    blood_type: await dec("blood_type", p.bloodTypeEnc),
    notes: await dec("notes", p.notesEnc),
    tags: parse<string[]>(await dec("tags", p.tagsEnc)) ?? [],
    consent_given: p.consentGiven,
    consent_date: p.consentDate,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

/** A full row from an insert row: the columns the insert left out are null. */
export function asPatientRow(row: typeof patients.$inferInsert): PatientRow {
  return {
    userId: null,
    dateOfBirthEnc: null,
    emailEnc: null,
    phoneEnc: null,
    phoneIndex: null,
    addressEnc: null,
    emergencyContactEnc: null,
    bloodTypeEnc: null,
    notesEnc: null,
    tagsEnc: null,
    consentGiven: false,
    consentDate: null,
    createdBy: null,
    deletedAt: null,
    ...row,
  };
}

/** The API's snake_case fields, mapped to `PatientFields`; absent keys stay absent (partial updates). */
export function patientFieldsOf(input: {
  mrn?: string;
  first_name?: string;
  last_name?: string;
  date_of_birth?: string | null;
  email?: string | null;
  phone_number?: string | null;
  address?: string | null;
  emergency_contact?: EmergencyContact | null;
  blood_type?: string | null;
  notes?: string | null;
  tags?: string[] | null;
  consent_given?: boolean;
  consent_date?: string | null;
  user_id?: string | null;
}): Partial<PatientFields> {
  const fields: Partial<PatientFields> = {
    mrn: input.mrn,
    firstName: input.first_name,
    lastName: input.last_name,
    dateOfBirth: input.date_of_birth,
    email: input.email,
    phone: input.phone_number,
    address: input.address,
    emergencyContact: input.emergency_contact,
    bloodType: input.blood_type,
    notes: input.notes,
    tags: input.tags,
    consentGiven: input.consent_given,
    consentDate: input.consent_date,
    userId: input.user_id,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/**
 * The columns a list needs, under their own names (`named`: lists read them as D1 rows through
 * `RequestDb.rows`, so each row is mapped once, straight into its response item).
 */
export const patientSummaryColumns = named({
  id: patients.id,
  user_id: patients.userId,
  mrn_enc: patients.mrnEnc,
  first_name_enc: patients.firstNameEnc,
  last_name_enc: patients.lastNameEnc,
  date_of_birth_enc: patients.dateOfBirthEnc,
  tags_enc: patients.tagsEnc,
  created_at: patients.createdAt,
  updated_at: patients.updatedAt,
});

/** A row read with `patientSummaryColumns`. */
export type PatientSummaryRow = {
  id: string;
  user_id: string | null;
  mrn_enc: string;
  first_name_enc: string;
  last_name_enc: string;
  date_of_birth_enc: string | null;
  tags_enc: string | null;
  created_at: string;
  updated_at: string;
};

/** The list item of a summary row, its five encrypted fields decrypted at once. */
export async function presentPatientSummary(phi: PhiCipher, p: PatientSummaryRow) {
  const id = p.id;
  const dob = p.date_of_birth_enc;
  const [mrn, firstName, lastName, dateOfBirth, tags] = await Promise.all([
    phi.decrypt(p.mrn_enc, patientRef(id, "mrn")),
    phi.decrypt(p.first_name_enc, patientRef(id, "first_name")),
    phi.decrypt(p.last_name_enc, patientRef(id, "last_name")),
    dob === null ? null : phi.decrypt(dob, patientRef(id, "date_of_birth")),
    p.tags_enc === null ? null : phi.decrypt(p.tags_enc, patientRef(id, "tags")),
  ]);
  return {
    id,
    user_id: p.user_id,
    mrn,
    first_name: firstName,
    last_name: lastName,
    name: `${firstName} ${lastName}`,
    date_of_birth: dateOfBirth,
    tags: tags === null ? [] : (JSON.parse(tags) as string[]),
    created_at: p.created_at,
    updated_at: p.updated_at,
  };
}
