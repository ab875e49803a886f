/** Mounts every feature module. A module exports a router built with `createRouter()`. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { authRoutes } from "./auth/auth.routes";
import { seedRoutes } from "./dev/seed.routes";
import { docsRoutes } from "./docs/docs.routes";
import { healthRoutes } from "./health/health.routes";

export function registerModules(app: OpenAPIHono<AppEnv>) {
  app.route("/", healthRoutes);
  app.route("/", docsRoutes);
  app.route("/", authRoutes);
  app.route("/", seedRoutes);
}
