/** Public shapes of the notification inbox and of the `notification:new` event (seed 002 §3). */
import { z } from "@hono/zod-openapi";
import { NOTIFICATION_TYPES } from "../../db/schema/notifications";
import { PageQuery } from "../../lib/pagination";
import { IdParam } from "../../lib/openapi";

export const NotificationType = z.enum(NOTIFICATION_TYPES);

/** An app path made of ids only (`/chats/{id}`): never a name, a query string or free text. */
export const NotificationLink = z
  .string()
  .regex(/^\/[a-z0-9/-]{1,300}$/, "an app path of lower-case words and ids");

export const Notification = z
  .object({
    id: z.string(),
    type: NotificationType,
    title: z.string(),
    body: z.string(),
    link: NotificationLink,
    timestamp: z.string().openapi({ description: "When it was created (ISO 8601, UTC)" }),
    read_at: z.string().nullable(),
  })
  .openapi("Notification");
export type Notification = z.infer<typeof Notification>;

export const ListNotificationsQuery = PageQuery.extend({
  unread: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .openapi({ description: "true: only notifications not read yet" }),
});
export type ListNotificationsQuery = z.infer<typeof ListNotificationsQuery>;

export const NotificationIdParam = IdParam();

export const NotificationRead = z
  .object({ id: z.string(), read_at: z.string() })
  .openapi("NotificationRead");

export const NotificationsReadAll = z
  .object({ updated: z.number().int(), read_at: z.string() })
  .openapi("NotificationsReadAll");
