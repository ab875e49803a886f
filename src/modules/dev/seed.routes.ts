/**
 * `POST /api/v1/dev/seed`: loads the demo clinic (used by `npm start`). Development only: it
 * answers 404 in production and requires the DEV_SEED_TOKEN secret in `X-Seed-Token`.
 */
import { ok } from "../../lib/envelope";
import { timingSafeEqual } from "../../lib/encoding";
import { NotFoundError, UnauthorizedError } from "../../lib/errors";
import { createRouter, defineRoute, jsonOk, z } from "../../lib/openapi";
import { seedDemoClinic } from "./seed.service";

const SeedResult = z
  .object({
    workspace_id: z.string(),
    created: z.boolean(),
    added: z.array(z.string()).openapi({
      description: "Parts of the clinic's life made by this call; empty when all were present",
    }),
    password: z.string(),
    logins: z.array(z.object({ email: z.string(), role: z.string(), name: z.string() })),
  })
  .openapi("SeedResult");

const route = defineRoute({
  method: "post",
  path: "/api/v1/dev/seed",
  tags: ["development"],
  auth: "public",
  summary: "Load the demo clinic (development only; needs X-Seed-Token)",
  request: { headers: z.object({ "x-seed-token": z.string().max(200).optional() }) },
  responses: { 200: jsonOk(SeedResult) },
});

export const seedRoutes = createRouter();

seedRoutes.openapi(route, async (c) => {
  if (c.env.ENVIRONMENT === "production" || !c.env.DEV_SEED_TOKEN) throw new NotFoundError("Route");
  const given = c.req.valid("header")["x-seed-token"] ?? "";
  if (!timingSafeEqual(given, c.env.DEV_SEED_TOKEN))
    throw new UnauthorizedError("Seed token required");
  return ok(c, await seedDemoClinic(c.var.ctx), 200);
});
