/**
 * `POST /auth/mfa/enable`, `/verify` and `/disable` (seed 002 §2.1) for any signed-in user.
 * Their schemas live here: this module owns no other MFA schema file.
 */
import { z } from "@hono/zod-openapi";
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk } from "../../lib/openapi";
import { disableMfa, enableMfa, verifyMfaSetup } from "./mfa.service";

const TotpCode = z
  .string()
  .regex(/^[0-9]{6}$/, "A 6-digit code")
  .openapi({ example: "123456" });
const AnyCode = z
  .string()
  .regex(/^([0-9]{6}|[A-Za-z0-9]{4}-?[A-Za-z0-9]{4})$/, "A 6-digit code or a backup code")
  .openapi({ example: "ABCD-EFGH" });

export const MfaSetup = z
  .object({
    secret: z.string().openapi({ description: "Base32 secret, for manual entry" }),
    otpauth_url: z.string().openapi({ example: "otpauth://totp/rehab-edge:..." }),
    qr_code: z
      .string()
      .openapi({ description: "data:image/svg+xml;base64 QR code of otpauth_url" }),
  })
  .openapi("MfaSetup");

export const MfaVerifyInput = z.object({ code: TotpCode }).openapi("MfaVerifyInput");

export const MfaEnabled = z
  .object({
    enabled: z.literal(true),
    backup_codes: z
      .array(z.string())
      .openapi({ description: "10 single-use codes, XXXX-XXXX; shown only once" }),
  })
  .openapi("MfaEnabled");

export const MfaDisableInput = z
  .object({ code: AnyCode.optional(), password: z.string().min(1).max(256).optional() })
  .refine((v) => !!v.code !== !!v.password, {
    message: "Give either code (TOTP or backup code) or password",
    path: ["code"],
  })
  .openapi("MfaDisableInput");

export const MfaDisabled = z.object({ enabled: z.literal(false) }).openapi("MfaDisabled");

const tags = ["auth"];

const enableRoute = defineRoute({
  method: "post",
  path: "/api/v1/auth/mfa/enable",
  auth: "bearer",
  tags,
  summary: "Start MFA setup: a new TOTP secret (pending until verified) and its QR code",
  responses: { 200: jsonOk(MfaSetup) },
});

const verifyRoute = defineRoute({
  method: "post",
  path: "/api/v1/auth/mfa/verify",
  auth: "bearer",
  tags,
  summary: "Confirm MFA setup with a code from the new secret; returns backup codes",
  description: "A wrong or replayed code answers 422; attempts are rate limited per user (429).",
  request: jsonBody(MfaVerifyInput),
  responses: { 200: jsonOk(MfaEnabled) },
});

const disableRoute = defineRoute({
  method: "post",
  path: "/api/v1/auth/mfa/disable",
  auth: "bearer",
  tags,
  summary: "Turn MFA off with a current TOTP code, a backup code or the password",
  request: jsonBody(MfaDisableInput),
  responses: { 200: jsonOk(MfaDisabled) },
});

export const mfaRoutes = createRouter();

mfaRoutes.openapi(enableRoute, async (c) => ok(c, await enableMfa(c.var.ctx), 200));
mfaRoutes.openapi(verifyRoute, async (c) =>
  ok(c, await verifyMfaSetup(c.var.ctx, c.req.valid("json")), 200),
);
mfaRoutes.openapi(disableRoute, async (c) =>
  ok(c, await disableMfa(c.var.ctx, c.req.valid("json")), 200),
);
