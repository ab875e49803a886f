/**
 * Building and reading user rows: the only place that knows which user fields are encrypted and
 * how. Service verbs and the seed use these; they never touch `*_enc` columns themselves.
 */
import { userPreferences, users, type Role } from "../../db/schema/users";
import type { PhiCipher } from "../../lib/crypto/phi";
import { ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { isStaff } from "../../policy/policy";

export type NewUser = {
  workspaceId: string;
  role: Role;
  email: string;
  name: string;
  phone?: string | null;
  title?: string | null;
  passwordHash?: string | null;
};

const ref = (id: string, column: string) => ({ table: "users", column, rowId: id });

export const emailIndex = (phi: PhiCipher, email: string) => phi.blindIndex("user.email", email);

export async function newUserRow(phi: PhiCipher, input: NewUser, id = uuidv7()) {
  const now = new Date().toISOString();
  const row: typeof users.$inferInsert = {
    id,
    workspaceId: input.workspaceId,
    role: input.role,
    emailEnc: await phi.encrypt(input.email.trim().toLowerCase(), ref(id, "email")),
    emailIndex: await emailIndex(phi, input.email),
    nameEnc: await phi.encrypt(input.name, ref(id, "name")),
    nameTokens: await phi.nameTokens("user.name", input.name),
    phoneEnc: await phi.encryptOptional(input.phone, ref(id, "phone")),
    title: input.title ?? null,
    passwordHash: input.passwordHash ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const preferences: typeof userPreferences.$inferInsert = {
    userId: id,
    workspaceId: input.workspaceId,
    favoriteTemplates: [],
    updatedAt: now,
  };
  return { id, row, preferences };
}

export type UserRow = typeof users.$inferSelect;

/** The public shape of a user (seed 002 §2.2), decrypted. */
export async function presentUser(phi: PhiCipher, user: UserRow) {
  return {
    id: user.id,
    workspace_id: user.workspaceId,
    email: await phi.decrypt(user.emailEnc, ref(user.id, "email")),
    name: await phi.decrypt(user.nameEnc, ref(user.id, "name")),
    role: user.role,
    title: user.title,
    phone_number: await phi.decryptOptional(user.phoneEnc, ref(user.id, "phone")),
    avatar_url: user.avatarUrl,
    is_active: user.isActive,
    mfa_enabled: user.mfaEnabled,
    last_login_at: user.lastLoginAt,
    license_number: await phi.decryptOptional(
      user.licenseNumberEnc,
      ref(user.id, "license_number"),
    ),
    specialization: await phi.decryptOptional(
      user.specializationEnc,
      ref(user.id, "specialization"),
    ),
    years_experience: user.yearsExperience,
    created_at: user.createdAt,
  };
}

/** Seed 000 `physiotherapists` fields, on a clinician's profile. */
const PROFESSIONAL = ["license_number", "specialization", "years_experience"] as const;

/** 422 naming each professional field sent for a user who is not staff (patients, family). */
export function assertProfessional(
  input: Partial<Record<(typeof PROFESSIONAL)[number], unknown>>,
  role: Role,
) {
  const sent = PROFESSIONAL.filter((f) => input[f] !== undefined);
  if (sent.length && !isStaff(role)) {
    throw new ValidationError(
      sent.map((field) => ({ field, message: "Only clinicians have a professional profile" })),
    );
  }
}

/** The encrypted columns of a clinician's professional profile (undefined: unchanged). */
export async function professionalChanges(
  phi: PhiCipher,
  id: string,
  change: {
    license_number?: string | null;
    specialization?: string | null;
    years_experience?: number | null;
  },
) {
  const set: Partial<typeof users.$inferInsert> = {};
  if (change.license_number !== undefined)
    set.licenseNumberEnc = await phi.encryptOptional(
      change.license_number,
      ref(id, "license_number"),
    );
  if (change.specialization !== undefined)
    set.specializationEnc = await phi.encryptOptional(
      change.specialization,
      ref(id, "specialization"),
    );
  if (change.years_experience !== undefined) set.yearsExperience = change.years_experience;
  return set;
}

export const userFieldRef = ref;

/**
 * The encrypted columns for a change of name and/or phone (undefined: unchanged, null phone:
 * cleared). Name changes re-derive `name_tokens` so search keeps finding the user.
 */
export async function encryptedUserChanges(
  phi: PhiCipher,
  id: string,
  change: { name?: string; phone?: string | null },
) {
  const set: Partial<typeof users.$inferInsert> = {};
  if (change.name !== undefined) {
    set.nameEnc = await phi.encrypt(change.name, ref(id, "name"));
    set.nameTokens = await phi.nameTokens("user.name", change.name);
  }
  if (change.phone !== undefined)
    set.phoneEnc = await phi.encryptOptional(change.phone, ref(id, "phone"));
  return set;
}

/** The directory shape staff see of colleagues: no email, phone or login details. */
export async function presentDirectoryEntry(phi: PhiCipher, user: UserRow) {
  return {
    id: user.id,
    workspace_id: user.workspaceId,
    name: await phi.decrypt(user.nameEnc, ref(user.id, "name")),
    role: user.role,
    title: user.title,
    avatar_url: user.avatarUrl,
    is_active: user.isActive,
  };
}

export type PreferencesRow = typeof userPreferences.$inferSelect;

/** Preferences (seed 002 §2.11) in snake_case. */
export const presentPreferences = (p: PreferencesRow) => ({
  default_template: p.defaultTemplate,
  favorite_templates: p.favoriteTemplates,
  auto_scribe: p.autoScribe,
  notifications_enabled: p.notificationsEnabled,
  email_notifications: p.emailNotifications,
  sms_notifications: p.smsNotifications,
  dark_mode: p.darkMode,
  language: p.language,
  timezone: p.timezone,
  updated_at: p.updatedAt,
});
