import { defineConfig } from "drizzle-kit";

// Schema lives in one file per aggregate; drizzle-kit writes SQL into migrations/,
// which wrangler applies (`wrangler d1 migrations apply`) and the tests read.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/*.ts",
  out: "./migrations",
});
