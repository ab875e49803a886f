// Copies Swagger UI's browser files from node_modules into public/docs-assets, served as static
// assets for /docs, and writes the small initialiser script (kept out of inline HTML for the CSP).
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const source = dirname(require.resolve("swagger-ui-dist/package.json"));
const target = new URL("../public/docs-assets/", import.meta.url).pathname;
mkdirSync(target, { recursive: true });
for (const file of ["swagger-ui.css", "swagger-ui-bundle.js"])
  copyFileSync(join(source, file), join(target, file));
writeFileSync(
  join(target, "docs-init.js"),
  'window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false });\n',
);
