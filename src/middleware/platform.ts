/**
 * The one middleware every request passes: request id, the lazy request context, CORS, and the
 * response headers every answer carries (security headers, `no-store` and a closed CSP unless the
 * route chose its own, X-Request-Id, Vary: Origin).
 *
 * Why one middleware and not hono's secureHeaders + cors + two small ones: each of those ran per
 * request, and setting a header after the response exists through `c.header()` copies the whole
 * Response in hono; here every header is set once, in place, on the final response. Everything
 * that does not depend on the request (header lists, the allowed origins) is computed once per
 * isolate.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { uuidv7 } from "../lib/ids";
import { BOOKMARK_HEADER, readBookmark, sessionStart } from "../lib/d1-session";
import { createRequestContext } from "./request-context";

/** Always set, replacing whatever a route set (as hono's secureHeaders with overwrite did). */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=63072000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "DENY"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

/** Set unless the route set its own (the /docs page has its own CSP and caching). */
const DEFAULT_HEADERS: readonly (readonly [string, string])[] = [
  ["Cache-Control", "no-store"],
  ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"],
];

export const CORS = {
  allowHeaders: "Content-Type,Authorization,Idempotency-Key,X-Request-Id,X-D1-Bookmark",
  allowMethods: "GET,POST,PUT,PATCH,DELETE,OPTIONS",
  exposeHeaders: "X-Request-Id,Retry-After,RateLimit-Policy,X-D1-Bookmark",
  maxAge: "3600",
};

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** The allowed origins, parsed once per distinct CORS_ORIGINS value. */
const originLists = new Map<string, ReadonlySet<string>>();
function allowedOrigins(spec: string | undefined): ReadonlySet<string> {
  const key = spec ?? "";
  let set = originLists.get(key);
  if (!set) {
    set = new Set(
      key
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    );
    originLists.set(key, set);
  }
  return set;
}

function applyHeaders(
  headers: Headers,
  requestId: string,
  allowOrigin: string | null,
  bookmark: string | null,
) {
  for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
  for (const [name, value] of DEFAULT_HEADERS) if (!headers.has(name)) headers.set(name, value);
  if (allowOrigin) headers.set("Access-Control-Allow-Origin", allowOrigin);
  headers.set("Access-Control-Allow-Credentials", "true");
  headers.set("Access-Control-Expose-Headers", CORS.exposeHeaders);
  headers.append("Vary", "Origin");
  headers.set("X-Request-Id", requestId);
  if (bookmark) headers.set(BOOKMARK_HEADER, bookmark);
  headers.delete("X-Powered-By");
}

const dropRejection = (p: Promise<unknown>) => void p.catch(() => undefined);

export const platform = () =>
  createMiddleware<AppEnv>(async function platform(c, next) {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : uuidv7();
    c.set("requestId", requestId);
    const origin = c.req.header("origin");
    const allowOrigin = origin && allowedOrigins(c.env.CORS_ORIGINS).has(origin) ? origin : null;

    // Every OPTIONS request is a CORS preflight answer (as hono's cors middleware did).
    if (c.req.method === "OPTIONS") {
      const headers = new Headers({
        "Access-Control-Max-Age": CORS.maxAge,
        "Access-Control-Allow-Methods": CORS.allowMethods,
        "Access-Control-Allow-Headers": CORS.allowHeaders,
        Vary: "Access-Control-Request-Headers",
      });
      applyHeaders(headers, requestId, allowOrigin, null);
      return new Response(null, { status: 204, headers });
    }

    let waitUntil: (p: Promise<unknown>) => void;
    try {
      const execution = c.executionCtx;
      waitUntil = (p) => execution.waitUntil(p);
    } catch {
      waitUntil = dropRejection;
    }
    const ctx = createRequestContext(c.env, c.req.raw, waitUntil, requestId);
    c.set("ctx", ctx);
    await next();
    const bookmark = ctx.d1Bookmark?.() ?? null;
    try {
      applyHeaders(c.res.headers, requestId, allowOrigin, bookmark);
    } catch {
      // A response with immutable headers (e.g. fetched): copy it once, then set them.
      const copy = new Response(c.res.body, c.res);
      applyHeaders(copy.headers, requestId, allowOrigin, bookmark);
      c.res = undefined;
      c.res = copy;
    }
  });

/**
 * Read replication (src/lib/d1-session.ts): the request's queries share one D1 session, started
 * at the client's bookmark when it sent one. Its own middleware, after `platform`, so a malformed
 * bookmark answers the error envelope like any other bad input.
 */
export const d1Sessions = () =>
  createMiddleware<AppEnv>(function d1Sessions(c, next) {
    c.var.ctx.useD1Session?.(sessionStart(c.req.method, readBookmark(c.req.raw)));
    return next();
  });
