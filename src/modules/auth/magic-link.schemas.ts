/** Request and response schemas of passwordless sign-in (seed 001 "Authentication"). */
import { z } from "@hono/zod-openapi";
import { Email } from "./auth.schemas";

export const RequestMagicLinkInput = z.object({ email: Email }).openapi("RequestMagicLinkInput");
export type RequestMagicLinkInput = z.infer<typeof RequestMagicLinkInput>;

export const MagicLinkRequested = z
  .object({
    message: z.string(),
    expires_in: z
      .number()
      .int()
      .openapi({ description: "Lifetime of a sign-in link in seconds, if one was sent" }),
  })
  .openapi("MagicLinkRequested");

export const VerifyMagicLinkQuery = z.object({
  token: z
    .string()
    .min(20)
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, "Not a link token")
    .openapi({ param: { name: "token", in: "query" }, description: "The token from the email" }),
  mfa_code: z
    .string()
    .regex(/^([0-9]{6}|[A-Za-z0-9]{4}-?[A-Za-z0-9]{4})$/, "A 6-digit code or a backup code")
    .optional()
    .openapi({
      param: { name: "mfa_code", in: "query" },
      description: "Required once the account has MFA on: a TOTP or backup code",
    }),
});
export type VerifyMagicLinkQuery = z.infer<typeof VerifyMagicLinkQuery>;
