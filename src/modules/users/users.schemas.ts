/**
 * Request and response schemas of the user endpoints (seed 002 §2.2 and §2.11), in snake_case.
 * Bodies are strict: an unknown or read-only field (email, role on /users/me) is a 422 naming it,
 * never silently dropped, so a client learns at once that its change did not happen.
 */
import { z } from "@hono/zod-openapi";
import { ROLES } from "../../db/schema/users";
import { PageQuery } from "../../lib/pagination";

const unknownKeys = (issue: { code?: string; keys?: string[] }) =>
  issue.code === "unrecognized_keys"
    ? `Unknown or read-only field(s): ${issue.keys?.join(", ")}`
    : undefined;

const nonEmpty = (v: Record<string, unknown>) => Object.values(v).some((x) => x !== undefined);
const NON_EMPTY = { message: "Give at least one field to change" };

const Name = z.string().trim().min(1).max(200).openapi({ example: "Dana Reyes" });
const Phone = z
  .string()
  .regex(/^\+?[0-9 ()-]{6,20}$/, "Not a phone number")
  .nullable()
  .openapi({ example: "+15551234567" });
const Title = z.string().trim().max(100).nullable().openapi({ example: "DPT" });
const AvatarUrl = z
  .url({ protocol: /^https$/, error: "An https URL" })
  .max(500)
  .nullable()
  .openapi({ example: "https://cdn.example.com/a.png" });

export const User = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    title: z.string().nullable(),
    phone_number: z.string().nullable(),
    avatar_url: z.string().nullable(),
    is_active: z.boolean(),
    mfa_enabled: z.boolean(),
    last_login_at: z.string().nullable(),
    license_number: z.string().nullable().openapi({ description: "Clinicians (seed 000)" }),
    specialization: z.string().nullable(),
    years_experience: z.number().int().nullable(),
    created_at: z.string(),
  })
  .openapi("User");
export type User = z.infer<typeof User>;

export const UserDirectoryEntry = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    title: z.string().nullable(),
    avatar_url: z.string().nullable(),
    is_active: z.boolean(),
  })
  .openapi("UserDirectoryEntry", {
    description: "A colleague's basic profile, as staff see other staff",
  });

export const UserView = z
  .union([User, UserDirectoryEntry])
  .openapi("UserView", { description: "The full user (self, admin) or a directory entry" });

/** Seed 000's `physiotherapists` fields, for clinicians (staff) only; stored encrypted. */
const ProfessionalFields = {
  license_number: z.string().trim().min(1).max(50).nullable().optional(),
  specialization: z.string().trim().min(1).max(100).nullable().optional(),
  years_experience: z.number().int().min(0).max(80).nullable().optional(),
};

export const UpdateMeInput = z
  .strictObject(
    {
      name: Name.optional(),
      phone_number: Phone.optional(),
      title: Title.optional(),
      avatar_url: AvatarUrl.optional(),
      ...ProfessionalFields,
    },
    { error: unknownKeys },
  )
  .refine(nonEmpty, NON_EMPTY)
  .openapi("UpdateMeInput", {
    description:
      "Email and role are not self-editable; license_number, specialization and years_experience are for clinicians only (seed 000), stored encrypted",
  });
export type UpdateMeInput = z.infer<typeof UpdateMeInput>;

export const UpdateUserInput = z
  .strictObject(
    {
      name: Name.optional(),
      phone_number: Phone.optional(),
      title: Title.optional(),
      role: z.enum(ROLES).optional(),
      is_active: z.boolean().optional(),
      ...ProfessionalFields,
    },
    { error: unknownKeys },
  )
  .refine(nonEmpty, NON_EMPTY)
  .openapi("UpdateUserInput", {
    description:
      "Admin changes. A role change or deactivation ends the user's sessions; the last active admin cannot be demoted or deactivated (409). The professional fields are for staff only.",
  });
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;

/** A time zone the runtime knows (IANA names, e.g. America/Chicago). */
export const isKnownTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const TemplateName = z.string().trim().min(1).max(50);

export const Preferences = z
  .object({
    default_template: z.string().nullable(),
    favorite_templates: z.array(z.string()),
    auto_scribe: z.boolean(),
    notifications_enabled: z.boolean(),
    email_notifications: z.boolean(),
    sms_notifications: z.boolean(),
    dark_mode: z.boolean(),
    language: z.string(),
    timezone: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi("Preferences");

export const UpdatePreferencesInput = z
  .strictObject(
    {
      default_template: TemplateName.nullable().optional().openapi({ example: "soap" }),
      favorite_templates: z.array(TemplateName).max(50).optional(),
      auto_scribe: z.boolean().optional(),
      notifications_enabled: z.boolean().optional(),
      email_notifications: z.boolean().optional(),
      sms_notifications: z.boolean().optional(),
      dark_mode: z.boolean().optional(),
      language: z
        .string()
        .min(2)
        .max(10)
        .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, "A BCP-47 language tag, e.g. en or pt-BR")
        .optional()
        .openapi({ example: "en" }),
      timezone: z
        .string()
        .max(64)
        .refine(isKnownTimeZone, "Unknown time zone")
        .nullable()
        .optional()
        .openapi({ example: "America/Chicago" }),
    },
    { error: unknownKeys },
  )
  .refine(nonEmpty, NON_EMPTY)
  .openapi("UpdatePreferencesInput", {
    description: "Partial update: omitted fields keep their value",
  });
export type UpdatePreferencesInput = z.infer<typeof UpdatePreferencesInput>;

const Bool = z.enum(["true", "false"]).transform((v) => v === "true");

export const ListUsersQuery = PageQuery.extend({
  role: z.enum(ROLES).optional(),
  search: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "An exact email, or name words (each must match a word of the name)" }),
  is_active: Bool.optional().openapi({ type: "string", enum: ["true", "false"] }),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const UserIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
