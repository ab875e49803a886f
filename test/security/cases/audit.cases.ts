import { env } from "cloudflare:test";
import type { Clinic } from "../../helpers/fixtures";
import { api } from "../../helpers/http";
import type { RouteCase } from "../suite";

/** An audit entry of the clinic (reading the admin's profile writes one). */
async function auditEntryOf(clinic: Clinic) {
  await api("GET", "/api/v1/users/me", { token: clinic.admin.token });
  const row = await env.DB.prepare("SELECT id FROM audit_log WHERE workspace_id = ? LIMIT 1")
    .bind(clinic.workspaceId)
    .first<{ id: string }>();
  return row!.id;
}

/** Cases for /audit: admin only. */
export const auditCases: RouteCase[] = [
  {
    method: "GET",
    path: "/api/v1/audit",
    allow: ["admin"],
    build: () => ({ query: "event_type=read" }),
  },
  { method: "GET", path: "/api/v1/audit/verify", allow: ["admin"] },
  {
    method: "GET",
    path: "/api/v1/audit/{id}",
    allow: ["admin"],
    build: async (clinic) => ({ params: { id: await auditEntryOf(clinic) } }),
  },
];
