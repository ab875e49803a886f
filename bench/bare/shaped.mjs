// A floor with /ping's response shape: no framework, no middleware, but the same status, body
// (the envelope with a fresh request id and timestamp) and the same 19 headers as the API's
// GET /ping. Measured beside the bare Worker and /ping (bench/assets-floor.mjs), it splits the
// gap between them into what shipping those headers and that body costs the runtime and wrangler
// dev's proxy, and what the app's own code costs (routing, middleware, context).
const HEADERS = [
  ["Content-Type", "application/json"],
  ["Cache-Control", "no-store"],
  ["Strict-Transport-Security", "max-age=63072000; includeSubDomains"],
  ["Vary", "Origin"],
  ["Access-Control-Allow-Credentials", "true"],
  ["Access-Control-Expose-Headers", "X-Request-Id,Retry-After"],
  ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "DENY"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

export default {
  fetch() {
    const id = crypto.randomUUID();
    const body = JSON.stringify({
      success: true,
      data: { pong: true },
      meta: { timestamp: new Date().toISOString(), request_id: id },
    });
    return new Response(body, { headers: [...HEADERS, ["X-Request-Id", id]] });
  },
};
