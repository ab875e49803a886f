/**
 * Route definitions: one zod schema validates the request and documents it in /openapi.json.
 * `defineRoute` adds the error responses every route shares and the bearer security requirement.
 */
import { createRoute, OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import type { H, RouterRoute } from "hono/types";
import type { Router } from "hono/router";
import type { AppEnv } from "../env";
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

type Config = Omit<RouteConfig, "responses"> & {
  responses: RouteConfig["responses"];
  /** Public routes (login, health…) carry no bearer requirement. */
  public?: boolean;
};

export function defineRoute<const C extends Config>(config: C) {
  const { public: isPublic, ...rest } = config;
  return createRoute({
    ...rest,
    security: isPublic ? [] : [{ bearerAuth: [] }],
    responses: { ...ERROR_RESPONSES, ...rest.responses },
  } as unknown as C & { responses: C["responses"] & typeof ERROR_RESPONSES });
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
  return new OpenAPIHono<AppEnv>({
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
}

export const IdParam = (name = "id") =>
  z.object({ [name]: z.uuid().openapi({ param: { name, in: "path" } }) });

export { z };
