/** Request and response schemas of the auth endpoints (seed 002 §2.1, seed 001 magic links). */
import { z } from "@hono/zod-openapi";
import { ROLES } from "../../db/schema/users";

export const Email = z.email().max(254).openapi({ example: "therapist@example.com" });
export const Password = z.string().min(12, "Use at least 12 characters").max(256);

export const RegisterInput = z
  .object({
    email: Email,
    password: Password,
    name: z.string().trim().min(1).max(200),
    phone_number: z
      .string()
      .regex(/^\+?[0-9 ()-]{6,20}$/, "Not a phone number")
      .optional(),
    title: z.string().max(100).optional(),
    workspace_name: z.string().trim().min(2).max(200).optional(),
    invite_token: z.string().min(20).max(200).optional(),
  })
  .refine((v) => !!v.workspace_name !== !!v.invite_token, {
    message: "Give either workspace_name (new clinic) or invite_token (join one)",
    path: ["workspace_name"],
  })
  .openapi("RegisterInput");
export type RegisterInput = z.infer<typeof RegisterInput>;

export const LoginInput = z
  .object({
    email: Email,
    password: z.string().min(1).max(256),
    mfa_code: z
      .string()
      .regex(/^([0-9]{6}|[A-Za-z0-9]{4}-?[A-Za-z0-9]{4})$/, "A 6-digit code or a backup code")
      .optional(),
  })
  .openapi("LoginInput");
export type LoginInput = z.infer<typeof LoginInput>;

export const RefreshInput = z
  .object({ refresh_token: z.string().min(20).max(2000).optional() })
  .openapi("RefreshInput");

export const SessionUser = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    workspace_id: z.string(),
  })
  .openapi("SessionUser");

export const TokenPair = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().openapi({ description: "Access token lifetime in seconds" }),
    user: SessionUser,
  })
  .openapi("TokenPair");

export const UserProfile = z
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
    created_at: z.string(),
  })
  .openapi("UserProfile");
