/**
 * The caller's notification inbox: `GET /api/v1/notifications` (`?unread=true`, paging),
 * `POST /api/v1/notifications/{id}/read`, `POST /api/v1/notifications/read-all`. The live side
 * is `notification:new` on `/ws` (notifications.service.ts).
 */
import { ok, okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonList, jsonOk } from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import {
  ListNotificationsQuery,
  Notification,
  NotificationIdParam,
  NotificationRead,
  NotificationsReadAll,
} from "./notifications.schemas";
import {
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
} from "./notifications.service";

const tags = ["notifications"];
const BASE = "/api/v1/notifications";

const listRoute = defineRoute({
  method: "get",
  path: BASE,
  auth: "bearer",
  tags,
  summary: "The caller's own notifications, newest first; `unread=true` for unread only",
  request: { query: ListNotificationsQuery },
  responses: { 200: jsonList(Notification) },
});

const readAllRoute = defineRoute({
  method: "post",
  path: `${BASE}/read-all`,
  auth: "bearer",
  tags,
  summary: "Marks every unread notification of the caller read",
  responses: { 200: jsonOk(NotificationsReadAll) },
});

const readRoute = defineRoute({
  method: "post",
  path: `${BASE}/{id}/read`,
  auth: "bearer",
  tags,
  summary: "Marks one of the caller's notifications read (another user's id is 404)",
  request: { params: NotificationIdParam },
  responses: { 200: jsonOk(NotificationRead) },
});

export const notificationRoutes = createRouter();

notificationRoutes.openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await listNotifications(c.var.ctx, query);
  return okList(c, page.items, paginationOf(query, page.total));
});

notificationRoutes.openapi(readAllRoute, async (c) =>
  ok(c, await markAllNotificationsRead(c.var.ctx), 200),
);

notificationRoutes.openapi(readRoute, async (c) =>
  ok(c, await markNotificationRead(c.var.ctx, c.req.valid("param").id), 200),
);
