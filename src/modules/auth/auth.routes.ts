/** Register, login, refresh, logout and the caller's profile. */
import { deleteCookie, getCookie } from "hono/cookie";
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk, z } from "../../lib/openapi";
import { LoginInput, RefreshInput, RegisterInput, TokenPair, UserProfile } from "./auth.schemas";
import { getProfile, login, logout, refresh, register } from "./auth.service";
import { COOKIE_PATH, REFRESH_COOKIE, setRefreshCookie } from "./auth.cookie";
import { magicLinkRoutes } from "./magic-link.routes";
import { mfaRoutes } from "./mfa.routes";

const tags = ["auth"];

const registerRoute = defineRoute({
  method: "post",
  path: "/api/v1/auth/register",
  tags,
  auth: "public",
  summary: "Create a clinic and its admin, or join one with an invite token",
  request: jsonBody(RegisterInput),
  responses: { 201: jsonOk(TokenPair, "Registered and signed in") },
});

const loginRoute = defineRoute({
  method: "post",
  path: "/api/v1/auth/login",
  tags,
  auth: "public",
  summary: "Sign in with email and password (and mfa_code once MFA is on)",
  request: jsonBody(LoginInput),
  responses: { 200: jsonOk(TokenPair, "Signed in") },
});

const refreshRoute = defineRoute({
  method: "post",
  path: "/api/v1/auth/refresh",
  tags,
  auth: "public",
  summary: "Rotate the refresh token (body or cookie); a reused token revokes its session",
  request: { body: { required: false, content: { "application/json": { schema: RefreshInput } } } },
  responses: { 200: jsonOk(TokenPair, "New token pair") },
});

const logoutRoute = defineRoute({
  method: "post",
  path: "/api/v1/auth/logout",
  auth: "bearer",
  tags,
  summary: "End this session now: its access and refresh tokens stop working",
  responses: { 200: jsonOk(z.object({ logged_out: z.literal(true) })) },
});

const profileRoute = defineRoute({
  method: "get",
  path: "/api/v1/auth/profile",
  auth: "bearer",
  tags,
  summary: "The signed-in user's profile",
  responses: { 200: jsonOk(UserProfile) },
});

export const authRoutes = createRouter();

authRoutes.openapi(registerRoute, async (c) => {
  const body = await register(c.var.ctx, c.req.valid("json"));
  setRefreshCookie(c, body.refresh_token);
  return ok(c, body, 201);
});

authRoutes.openapi(loginRoute, async (c) => {
  const body = await login(c.var.ctx, c.req.valid("json"));
  setRefreshCookie(c, body.refresh_token);
  return ok(c, body, 200);
});

authRoutes.openapi(refreshRoute, async (c) => {
  let fromBody: string | undefined;
  if (c.req.header("content-type")?.includes("application/json")) {
    const parsed = RefreshInput.safeParse(await c.req.json().catch(() => ({})));
    fromBody = parsed.success ? parsed.data.refresh_token : undefined;
  }
  const body = await refresh(c.var.ctx, fromBody ?? getCookie(c, REFRESH_COOKIE));
  setRefreshCookie(c, body.refresh_token);
  return ok(c, body, 200);
});

authRoutes.openapi(logoutRoute, async (c) => {
  await logout(c.var.ctx);
  deleteCookie(c, REFRESH_COOKIE, { path: COOKIE_PATH, secure: true });
  return ok(c, { logged_out: true as const }, 200);
});

authRoutes.openapi(profileRoute, async (c) => ok(c, await getProfile(c.var.ctx), 200));

// The module's one router: sign-in by magic link and MFA live beside the password routes.
authRoutes.route("/", magicLinkRoutes);
authRoutes.route("/", mfaRoutes);
