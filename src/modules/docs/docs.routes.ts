/**
 * `GET /docs`: interactive API docs (Swagger UI) over /openapi.json. The UI's script and styles
 * are served from this Worker's static assets (copied from swagger-ui-dist by scripts/vendor-docs.mjs),
 * so the page works offline and under a strict CSP.
 */
import { createRouter, defineRoute, z } from "../../lib/openapi";

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>rehab-edge API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/docs-assets/docs-init.js"></script>
</body>
</html>`;

const route = defineRoute({
  method: "get",
  path: "/docs",
  tags: ["docs"],
  summary: "Interactive API documentation",
  auth: "public",
  responses: {
    200: { description: "HTML page", content: { "text/html": { schema: z.string() } } },
  },
});

export const docsRoutes = createRouter();

docsRoutes.openapi(route, (c) => {
  c.header(
    "Content-Security-Policy",
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  );
  return c.html(page, 200);
});
