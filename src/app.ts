/**
 * The Hono application: middleware in order, then one `app.route()` per feature module.
 * Every route is defined with zod schemas, so /openapi.json lists exactly the routes that exist.
 */
import { SOCKET_TOKEN_SCHEME } from "./realtime/socket";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { AppError, PayloadTooLargeError } from "./lib/errors";
import { MemoRouter } from "./lib/memo-router";
import { answerMalformedIds, createRouter } from "./lib/openapi";
import { meta } from "./lib/envelope";
import { idempotency } from "./middleware/idempotency";
import { d1Sessions, platform } from "./middleware/platform";
import { rateLimits } from "./middleware/rate-limit.general";
import { MODULES, registerModules } from "./modules";
import { OWN_BODY_LIMIT_PATHS } from "./modules/pose/pose.limits";

export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** `modules`: the routers to mount, in any order (tests mount them shuffled). */
export function createApp(modules = MODULES) {
  // Route matches remembered per path (src/lib/memo-router.ts): hono's TrieRouter walk, which
  // our route set falls back to, ran on every request.
  const app = createRouter(new MemoRouter());

  // Request id, context, CORS and the shared response headers, in one pass (see platform.ts).
  app.use("*", platform());
  // Hono's onError only sees Error instances; anything else thrown becomes one, so every failure
  // still answers the envelope with a request id.
  app.use("*", async function wrapNonErrors(_c, next) {
    try {
      await next();
    } catch (error) {
      if (error instanceof Error) throw error;
      throw new Error("Non-Error thrown");
    }
  });
  app.use("*", d1Sessions());
  // Per IP, per user and per expensive action, before anything reads a body or D1.
  app.use("*", rateLimits());
  const jsonBodyLimit = bodyLimit({
    maxSize: MAX_JSON_BODY_BYTES,
    onError: () => {
      throw new PayloadTooLargeError(MAX_JSON_BODY_BYTES);
    },
  });
  // Media PUTs stream into R2 under their own signed size limit (src/modules/media); image
  // routes set their own, larger limit next to the route (src/modules/pose).
  app.use("/api/*", function limitJsonBodies(c, next) {
    const own =
      (c.req.method === "PUT" && c.req.path.startsWith("/api/v1/uploads/")) ||
      OWN_BODY_LIMIT_PATHS.has(c.req.path);
    return own ? next() : jsonBodyLimit(c, next);
  });

  app.use("/api/*", idempotency());

  registerModules(app, modules);
  // After every module: malformed ids answer 401/422 naming the parameter, not "no route".
  answerMalformedIds(app);

  app.notFound((c) =>
    c.json(
      {
        success: false,
        error: {
          code: "NOT_FOUND",
          message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}`,
        },
        meta: meta(c),
      },
      404,
    ),
  );

  app.onError((error, c) => {
    if (error instanceof AppError) {
      for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
      return c.json(
        {
          success: false,
          error: {
            code: error.code,
            message: error.message,
            ...(error.details !== undefined && { details: error.details }),
          },
          meta: meta(c),
        },
        error.status as 400,
      );
    }
    if (error instanceof HTTPException && error.status < 500) {
      const code =
        error.status === 413
          ? "PAYLOAD_TOO_LARGE"
          : error.status === 401
            ? "UNAUTHORIZED"
            : "INVALID_REQUEST";
      return c.json(
        {
          success: false,
          error: { code, message: error.message || "Malformed request" },
          meta: meta(c),
        },
        error.status,
      );
    }
    // Unknown errors: log the kind and request id only (messages may hold data), answer a bare 500.
    console.error(
      JSON.stringify({
        level: "error",
        request_id: c.get("requestId"),
        error: (error as Error)?.name ?? "unknown",
      }),
    );
    return c.json(
      {
        success: false,
        error: { code: "INTERNAL_SERVER_ERROR", message: "Internal server error" },
        meta: meta(c),
      },
      500,
    );
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  // WebSocket routes (`auth: "socket"`): the socket entry verifies the token before upgrading.
  app.openAPIRegistry.registerComponent("securitySchemes", "socketToken", SOCKET_TOKEN_SCHEME);
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/openapi.json",
    tags: ["docs"],
    summary: "This OpenAPI 3.1 document",
    security: [],
    responses: {
      200: {
        description: "OpenAPI document",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
  });
  // Not `app.doc31()`: it answers a generation failure with the raw error as JSON (internals,
  // no envelope). The generator throws non-Error values, which Hono's onError would not see.
  // The routes do not change after start-up, so the document is built once per isolate.
  let document: ReturnType<typeof app.getOpenAPI31Document> | null = null;
  app.get("/openapi.json", (c) => {
    try {
      document ??= app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "rehab-edge API",
          version: "1.0.0",
          description:
            "Tele-rehabilitation and care-team communication backend. Success: `{success, data, meta}`; errors: `{success:false, error:{code,message,details}, meta}`.",
        },
      });
      return c.json({ ...document, servers: [{ url: new URL(c.req.url).origin }] });
    } catch (cause) {
      // Route definitions only (no request data): safe to log for whoever broke the document.
      console.error(
        JSON.stringify({
          level: "error",
          openapi: String((cause as Error)?.message),
          data: (cause as { data?: unknown })?.data,
        }),
      );
      throw new Error("OpenAPI document generation failed");
    }
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
