/**
 * Users of every role. Invariants: personal fields (email, name, phone, MFA secret) are stored only
 * encrypted (`*_enc`, bound to table, column and row); login finds a user by the email's blind index,
 * unique across workspaces; name search goes through `name_tokens`, blind indexes of each word.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, flag, id, timestamp, updatedAt, workspaceId } from "./columns";

export const ROLES = ["admin", "physiotherapist", "doctor", "nurse", "patient", "family"] as const;
export type Role = (typeof ROLES)[number];

export const users = sqliteTable(
  "users",
  {
    id: id(),
    workspaceId: workspaceId(),
    role: text("role", { enum: ROLES }).notNull(),
    emailEnc: text("email_enc").notNull(),
    emailIndex: text("email_index").notNull(),
    nameEnc: text("name_enc").notNull(),
    nameTokens: text("name_tokens", { mode: "json" }).$type<string[]>().notNull(),
    phoneEnc: text("phone_enc"),
    title: text("title"),
    avatarUrl: text("avatar_url"),
    /** A clinician's professional profile (seed 000 `physiotherapists`); free text encrypted. */
    licenseNumberEnc: text("license_number_enc"),
    specializationEnc: text("specialization_enc"),
    yearsExperience: integer("years_experience"),
    passwordHash: text("password_hash"),
    isActive: flag("is_active").notNull().default(true),
    mfaEnabled: flag("mfa_enabled").notNull().default(false),
    mfaSecretEnc: text("mfa_secret_enc"),
    mfaPendingSecretEnc: text("mfa_pending_secret_enc"),
    mfaLastStep: integer("mfa_last_step"),
    lastLoginAt: timestamp("last_login_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp("deleted_at"),
  },
  (t) => [
    uniqueIndex("users_email_index").on(t.emailIndex),
    index("users_workspace_role").on(t.workspaceId, t.role),
  ],
);

export const userPreferences = sqliteTable("user_preferences", {
  userId: text("user_id").primaryKey(),
  workspaceId: workspaceId(),
  defaultTemplate: text("default_template"),
  favoriteTemplates: text("favorite_templates", { mode: "json" }).$type<string[]>().notNull(),
  autoScribe: flag("auto_scribe").notNull().default(true),
  notificationsEnabled: flag("notifications_enabled").notNull().default(true),
  emailNotifications: flag("email_notifications").notNull().default(true),
  smsNotifications: flag("sms_notifications").notNull().default(false),
  darkMode: flag("dark_mode").notNull().default(false),
  language: text("language").notNull().default("en"),
  timezone: text("timezone"),
  updatedAt: updatedAt(),
});
