/**
 * `GET /console`: the clinic console, a browser app for patients (live exercise with on-device
 * pose) and clinicians (watch live, review). This route serves only its HTML shell; the app
 * (console/src, bundled by scripts/build-console.mjs) and everything it loads at run time (the
 * TensorFlow.js wasm binaries, the BlazePose models) are this Worker's static assets under
 * /console-assets, so no CDN is involved and the CSP can stay 'self'.
 *
 * The page holds no data: every piece of patient data it shows comes from the API with the
 * signed-in user's token, scoped and audited there.
 */
import { createRouter, defineRoute, z } from "../../lib/openapi";

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>rehab-edge console</title>
<link rel="stylesheet" href="/console-assets/console.css">
<script type="module" src="/console-assets/console.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><h1>rehab-edge</h1><nav id="nav" aria-label="Console"></nav></header>
<div id="status" role="status" aria-live="polite"></div>
<main id="main" tabindex="-1"><p>Loading the console…</p>
<noscript>The console needs JavaScript.</noscript></main>
</body>
</html>`;

// 'wasm-unsafe-eval': TensorFlow.js compiles its wasm backend in the page; blob: for the
// recorded video's preview; ws: for the live room on the same host.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "style-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const route = defineRoute({
  method: "get",
  path: "/console",
  tags: ["docs"],
  summary: "The clinic console (web app: live exercise, watch live, review)",
  auth: "public",
  responses: {
    200: { description: "HTML page", content: { "text/html": { schema: z.string() } } },
  },
});

export const consoleRoutes = createRouter();

consoleRoutes.openapi(route, (c) => {
  c.header("Content-Security-Policy", CSP);
  // The camera for live exercises, the microphone for calls and chat voice messages.
  c.header("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()");
  return c.html(page, 200);
});
