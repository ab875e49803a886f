/** `GET /dev/outbox`: admins read the messages that had no provider; absent in production. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../env";
import { okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonList } from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import { OutboxMessage, OutboxQuery } from "./outbox.schemas";
import { listOutbox, OUTBOX_PATH, outboxAbsent } from "./outbox.service";

const outboxRoute = defineRoute({
  method: "get",
  path: OUTBOX_PATH,
  auth: "bearer",
  tags: ["development"],
  summary: "Outbound email and SMS of this workspace, decrypted (admin; not in production)",
  description:
    "Messages are held here when no email or SMS provider is configured. Answers 404 when ENVIRONMENT is production.",
  request: { query: OutboxQuery },
  responses: { 200: jsonList(OutboxMessage) },
});

/** Before authentication, so production answers 404 to everyone, signed in or not. */
const notInProduction = createMiddleware<AppEnv>(async function notInProduction(c, next) {
  if (c.env.ENVIRONMENT === "production") throw outboxAbsent(c.req.method);
  await next();
});

export const outboxRoutes = createRouter();
outboxRoutes.use(OUTBOX_PATH, notInProduction);

outboxRoutes.openapi(outboxRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listOutbox(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});
