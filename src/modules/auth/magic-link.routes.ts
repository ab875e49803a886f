/** `POST /auth/request-magic-link` and `GET /auth/verify-magic-link` (seed 001). Both public. */
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk } from "../../lib/openapi";
import { setRefreshCookie } from "./auth.cookie";
import { TokenPair } from "./auth.schemas";
import {
  MagicLinkRequested,
  RequestMagicLinkInput,
  VerifyMagicLinkQuery,
} from "./magic-link.schemas";
import { requestMagicLink, verifyMagicLink } from "./magic-link.service";

const tags = ["auth"];

const requestRoute = defineRoute({
  method: "post",
  path: "/api/v1/auth/request-magic-link",
  tags,
  auth: "public",
  summary: "Email a one-time sign-in link (same answer whether or not the account exists)",
  description:
    "Rate limited to 3 requests per hour per client address (429 with Retry-After). The link is valid for 15 minutes and signs in once.",
  request: jsonBody(RequestMagicLinkInput),
  responses: { 200: jsonOk(MagicLinkRequested, "Accepted; a link is sent if the account exists") },
});

const verifyRoute = defineRoute({
  method: "get",
  path: "/api/v1/auth/verify-magic-link",
  tags,
  auth: "public",
  summary: "Sign in with a link token (or accept an invitation); answers like login",
  description:
    "A used, unknown or expired token answers 401. With MFA on, `mfa_code` is required (401 with details.mfa_required); the link is not used up by a missing or wrong code.",
  request: { query: VerifyMagicLinkQuery },
  responses: { 200: jsonOk(TokenPair, "Signed in") },
});

export const magicLinkRoutes = createRouter();

magicLinkRoutes.openapi(requestRoute, async (c) =>
  ok(c, await requestMagicLink(c.var.ctx, c.req.valid("json")), 200),
);

magicLinkRoutes.openapi(verifyRoute, async (c) => {
  const body = await verifyMagicLink(c.var.ctx, c.req.valid("query"));
  setRefreshCookie(c, body.refresh_token);
  return ok(c, body, 200);
});
