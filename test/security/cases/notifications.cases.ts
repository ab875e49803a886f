/**
 * Cases for /notifications: every role has an inbox of its own; a notification id is reachable
 * only by its recipient (here the admin), so every other caller gets the 404 of an unknown id.
 */
import { env } from "cloudflare:test";
import { ROLES } from "../../../src/db/schema/users";
import { notify, systemContext } from "../../../src/modules/notifications/notifications.service";
import type { Clinic } from "../../helpers/fixtures";
import type { RouteCase } from "../suite";

const anyone = [...ROLES];

/** A notification of clinic A's admin (no patient); its id. */
async function adminNotification(c: Clinic) {
  const { created } = await notify(systemContext(env as never), {
    workspaceId: c.workspaceId,
    type: "call",
    recipients: [c.admin.id],
    dedupeKey: `security:${crypto.randomUUID()}`,
    link: "/calls/security",
    content: () => ({ title: "Missed call", body: "Missed video call" }),
  });
  return created[0]!;
}

export const notificationsCases: RouteCase[] = [
  {
    method: "GET",
    path: "/api/v1/notifications",
    allow: anyone,
    build: () => ({ query: "unread=true&page=1" }),
  },
  { method: "POST", path: "/api/v1/notifications/read-all", allow: anyone },
  {
    method: "POST",
    path: "/api/v1/notifications/{id}/read",
    allow: ["admin"],
    deny: { physiotherapist: 404, doctor: 404, nurse: 404, patient: 404, family: 404 },
    build: async (c) => ({ params: { id: await adminNotification(c) } }),
  },
];
