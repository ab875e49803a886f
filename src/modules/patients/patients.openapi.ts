/**
 * Route registration shared by the patient routers.
 * Invariant: a path parameter of these routes matches a UUID only, so `/patients/{id}` never
 * captures a sibling static path (`/patients/profile`, other modules' `/patients/sessions`, `/patients/appointments`)
 * whatever order the routers are mounted in; a non-UUID id is simply no route (404).
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requireAuth } from "../../middleware/auth";

const UUID_SEGMENT = "{[0-9a-fA-F-]{36}}";

/**
 * Documents `route` as written and returns it for Hono with UUID-only path parameters and
 * authentication ahead of validation (a missing token is a 401, never a 422).
 */
export function patientRoute<R extends RouteConfig>(router: OpenAPIHono<AppEnv>, route: R): R {
  router.openAPIRegistry.registerPath(route);
  return {
    ...route,
    hide: true,
    middleware: [requireAuth()],
    path: route.path.replace(/\{(\w+)\}/g, `:$1${UUID_SEGMENT}`),
  };
}
