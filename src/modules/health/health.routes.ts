/** `GET /health` and `GET /api/v1/health`: D1 and R2 reachability, and which AI provider answers. */
import { aiProviderName } from "../../ai/provider";
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonOk, z } from "../../lib/openapi";

const Health = z
  .object({
    status: z.enum(["ok", "degraded"]),
    environment: z.string(),
    checks: z.object({ d1: z.enum(["ok", "error"]), r2: z.enum(["ok", "error"]) }),
    ai_provider: z.enum(["workers-ai", "embedded"]),
  })
  .openapi("Health");

const routeFor = (path: string) =>
  defineRoute({
    method: "get",
    path,
    tags: ["health"],
    summary: "Service health: D1 and R2 reachability",
    auth: "public",
    responses: { 200: jsonOk(Health), 503: jsonOk(Health, "A dependency is unreachable") },
  });

async function probe(run: () => Promise<unknown>): Promise<"ok" | "error"> {
  try {
    await run();
    return "ok";
  } catch {
    return "error";
  }
}

const pingRoute = defineRoute({
  method: "get",
  path: "/ping",
  tags: ["health"],
  summary: "Liveness: answers without touching any binding (the benchmark's hello-world baseline)",
  auth: "public",
  responses: { 200: jsonOk(z.object({ pong: z.literal(true) })) },
});

export const healthRoutes = createRouter();

healthRoutes.openapi(pingRoute, (c) => ok(c, { pong: true as const }, 200));

for (const path of ["/health", "/api/v1/health"]) {
  healthRoutes.openapi(routeFor(path), async (c) => {
    const [d1, r2] = await Promise.all([
      probe(() => c.env.DB.prepare("select 1").first()),
      probe(() => c.env.MEDIA.head("health-probe")),
    ]);
    const healthy = d1 === "ok" && r2 === "ok";
    const body = {
      status: healthy ? ("ok" as const) : ("degraded" as const),
      environment: c.env.ENVIRONMENT,
      checks: { d1, r2 },
      ai_provider: aiProviderName(c.env),
    };
    return healthy ? ok(c, body, 200) : ok(c, body, 503);
  });
}
