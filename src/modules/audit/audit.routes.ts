/**
 * `/api/v1/audit…` (admin). `/audit/verify` is registered before `/audit/{id}`, and `{id}` must be
 * a UUID, so `verify` is never taken for an entry id.
 */
import { ok, okList } from "../../lib/envelope";
import { paginationOf } from "../../lib/pagination";
import { createRouter, defineRoute, jsonList, jsonOk } from "../../lib/openapi";
import { AuditEntry, AuditIdParam, AuditQuery, ChainReport } from "./audit.schemas";
import { getAuditEntry, listAudit, verifyAudit } from "./audit.service";

const tags = ["audit"];

const listRoute = defineRoute({
  method: "get",
  path: "/api/v1/audit",
  auth: "bearer",
  tags,
  summary: "Admin: the workspace's audit entries, newest first, with filters",
  request: { query: AuditQuery },
  responses: { 200: jsonList(AuditEntry) },
});

const verifyRoute = defineRoute({
  method: "get",
  path: "/api/v1/audit/verify",
  auth: "bearer",
  tags,
  summary:
    "Admin: seal pending entries, then check every entry's MAC and the hash chain of the workspace",
  responses: { 200: jsonOk(ChainReport) },
});

const getRoute = defineRoute({
  method: "get",
  path: "/api/v1/audit/{id}",
  auth: "bearer",
  tags,
  summary: "Admin: one audit entry of the workspace",
  request: { params: AuditIdParam },
  responses: { 200: jsonOk(AuditEntry) },
});

export const auditRoutes = createRouter();
// `/audit/*` also matches `/audit` itself.

auditRoutes.openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listAudit(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});

auditRoutes.openapi(verifyRoute, async (c) => ok(c, await verifyAudit(c.var.ctx), 200));

auditRoutes.openapi(getRoute, async (c) =>
  ok(c, await getAuditEntry(c.var.ctx, c.req.valid("param").id), 200),
);
