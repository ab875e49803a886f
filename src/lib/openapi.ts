/**
 * Route definitions: one zod schema validates the request and documents it in /openapi.json, and
 * one `auth` field both enforces and documents who may call it. `defineRoute` adds the error
 * responses every route shares; `createRouter` routes UUID path parameters by their shape, so a
 * static path (`/patients/appointments`) and a parameter (`/patients/{id}`) never compete and
 * the order routers are mounted in does not matter.
 */
import { createRoute, OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { H, RouterRoute } from "hono/types";
import type { Router } from "hono/router";
import type { AppEnv } from "../env";
import { requireAuth } from "../middleware/auth";
import { ErrorSchema, envelope, listEnvelope } from "./envelope";
import { ValidationError, type FieldIssue } from "./errors";

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

export const ERROR_RESPONSES = {
  400: errorResponse("Malformed request"),
  401: errorResponse("Missing, invalid or expired credentials"),
  403: errorResponse("The caller's role or relation does not allow this"),
  404: errorResponse("Not found, or in another workspace"),
  409: errorResponse("Conflicts with existing data"),
  413: errorResponse("Request body too large"),
  422: errorResponse("Validation failed; details name each field"),
  429: errorResponse("Rate limited; see Retry-After"),
  500: errorResponse("Unexpected error"),
} as const;

/**
 * Who may call a route. The one place it is said: `defineRoute` turns it into the middleware
 * that enforces it AND the `security` that documents it.
 * - "bearer": `Authorization: Bearer <access token>`, checked by `requireAuth()` before the
 *   request is validated (no token is a 401, never a 422). Documented as `bearerAuth`.
 * - "public": no credentials (login, health, signed links, provider webhooks with their own
 *   signature). Documented with no security.
 * - "socket": a WebSocket upgrade. Browsers cannot set headers on a WebSocket, so the token comes
 *   as the subprotocol `bearer.<token>` (or `?token=`, or the header); the socket handler checks
 *   it, and the session, before upgrading. Documented as `socketToken`.
 */
export type RouteAuth = "bearer" | "public" | "socket";

/** The security requirement each kind of auth is documented with (schemes: see src/app.ts). */
export const AUTH_SECURITY = {
  bearer: [{ bearerAuth: [] }],
  public: [],
  socket: [{ socketToken: [] }],
} as const satisfies Record<RouteAuth, RouteConfig["security"]>;

type Config = Omit<RouteConfig, "responses" | "security"> & {
  responses: RouteConfig["responses"];
  /** REQUIRED: "bearer" | "public" | "socket" (see RouteAuth). It enforces and documents. */
  auth: RouteAuth;
  /** Gone: write `auth: "public"` (or `auth: "bearer"`); `public` only changed the docs. */
  public?: never;
};

// One instance: the middleware holds no state.
const authenticate: MiddlewareHandler<AppEnv> = requireAuth();

/**
 * A route: its schemas, its auth (enforced by the middleware put first on the route, documented
 * as its security) and the shared error responses. Middleware of the route's own runs after
 * authentication, as module middleware did when `requireAuth` was attached by path.
 */
export function defineRoute<const C extends Config>(config: C) {
  const { auth, middleware, ...rest } = config;
  const own = middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware];
  const chain = auth === "bearer" ? [authenticate, ...own] : own;
  return createRoute({
    ...rest,
    ...(chain.length > 0 && { middleware: chain }),
    security: AUTH_SECURITY[auth],
    responses: { ...ERROR_RESPONSES, ...rest.responses },
  } as unknown as Omit<C, "auth"> & {
    responses: C["responses"] & typeof ERROR_RESPONSES;
  });
}

/** The auth a documented route enforces, read back from its security (tests, fallbacks). */
export function authOf(security: readonly Record<string, unknown>[] | undefined): RouteAuth {
  if (security?.some((s) => "bearerAuth" in s)) return "bearer";
  if (security?.some((s) => "socketToken" in s)) return "socket";
  return "public";
}

export const jsonBody = <T extends z.ZodType>(schema: T, description = "Request body") => ({
  body: { required: true, description, content: { "application/json": { schema } } },
});

export const jsonOk = <T extends z.ZodType>(schema: T, description = "OK") => ({
  description,
  content: { "application/json": { schema: envelope(schema) } },
});

export const jsonList = <T extends z.ZodType>(schema: T, description = "A page of results") => ({
  description,
  content: { "application/json": { schema: listEnvelope(schema) } },
});

export const noContent = { description: "No content" } as const;

/** Every invalid field, named, from a zod error. */
export function fieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return {
      field: [prefix, path].filter(Boolean).join(".") || (prefix ?? "body"),
      message: issue.message,
    };
  });
}

/**
 * An OpenAPIHono whose validation failures become the VALIDATION_ERROR envelope. `router`: the
 * app's own (src/app.ts passes a MemoRouter); modules keep hono's default, their routes are
 * copied into the app's router.
 */
export function createRouter(router?: Router<[H, RouterRoute]>) {
  const app = new OpenAPIHono<AppEnv>({
    ...(router && { router }),
    defaultHook: (result, c) => {
      if (!result.success) {
        const target = (result as { target?: string }).target;
        const prefix = target === "json" || target === "form" ? undefined : target;
        throw new ValidationError(fieldIssues(result.error, prefix));
      }
      return undefined;
    },
  });
  // Documented as written (`/patients/{id}`), routed by shape (`/patients/:id{<uuid>}`).
  const register = app.openapi;
  app.openapi = ((route: RouteConfig, handler: never, hook?: never) => {
    const routed = uuidRoutingPath(route);
    if (routed === route.path || route.hide) return register(route as never, handler, hook);
    const { middleware: _middleware, hide: _hide, ...doc } = route;
    app.openAPIRegistry.registerPath(doc);
    return register({ ...route, hide: true, path: routed } as never, handler, hook);
  }) as typeof app.openapi;
  return app;
}

const UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const UUID_SHAPE = new RegExp(`^${UUID_PATTERN}$`);

/** A path parameter that is a UUID: `uuidParam("patient_id")` in a route's params object. */
export const uuidParam = (name: string, description?: string) =>
  z.uuid().openapi({ param: { name, in: "path" }, ...(description && { description }) });

/** `{ id: uuid }` params, the common case: `request: { params: IdParam() }`. */
export const IdParam = (description?: string) => z.object({ id: uuidParam("id", description) });

/** The names of a route's path parameters whose schema is a UUID. */
export function uuidParamNames(route: Pick<RouteConfig, "request">): string[] {
  const params = route.request?.params as { shape?: Record<string, unknown> } | undefined;
  return Object.entries(params?.shape ?? {})
    .filter(
      ([, schema]) =>
        (schema as { _zod?: { def?: { format?: string } } })?._zod?.def?.format === "uuid",
    )
    .map(([name]) => name);
}

/** The hono path of a route: its UUID parameters match a UUID only. */
function uuidRoutingPath(route: RouteConfig): string {
  const names = new Set(uuidParamNames(route));
  // Hono's TrieRouter matches nothing after a pattern parameter when a later segment holds `$`
  // (FHIR's `/Patient/{id}/$everything`): such a route keeps a plain parameter, validated by
  // its zod schema (422), and has no static sibling to capture.
  if (names.size === 0 || route.path.includes("$")) return route.path;
  return route.path.replace(/\{(\w+)\}/g, (whole, name: string) =>
    names.has(name) ? `:${name}{${UUID_PATTERN}}` : whole,
  );
}

/**
 * A malformed id matches no route (the UUID routes take UUIDs only). For each such route this
 * registers, after every module, the same path with loose parameters, answering what validation
 * would have: 401 first for a bearer route without a valid token, then 422 naming each bad
 * parameter. Registered last, it never shadows a static path, whatever the mount order.
 */
export function answerMalformedIds(app: OpenAPIHono<AppEnv>) {
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== "route") continue;
    const names = uuidParamNames(def.route);
    if (names.length === 0) continue;
    const path = def.route.path.replace(/\{(\w+)\}/g, ":$1");
    const guard = authOf(def.route.security) === "bearer" ? [authenticate] : [];
    const malformed: MiddlewareHandler<AppEnv> = (c) => {
      const bad = names.filter((name) => !UUID_SHAPE.test(c.req.param(name) ?? ""));
      throw new ValidationError(
        bad.map((name) => ({ field: `param.${name}`, message: "Invalid UUID" })),
      );
    };
    app.on([def.route.method.toUpperCase()], [path], ...guard, malformed);
  }
}

export { z };
