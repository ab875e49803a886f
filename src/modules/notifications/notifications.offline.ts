/**
 * The email/SMS fallback of a notification: NOTIFY_OFFLINE_MINUTES after it was made (a delayed
 * JOBS message), a user who had no `/ws` socket open in the meantime and has not read it gets an
 * email and/or SMS, as their preferences allow, through the outbound outbox (src/messaging).
 *
 * Invariants:
 * - The email and SMS never carry the notification's title or body: a fixed sentence by type and
 *   a link made of ids ("You have a new message in rehab-edge"), so no patient data leaves.
 * - Presence comes from the user's own stream (UserStream.presence: sockets open now, and the
 *   last moment one was), never guessed.
 * - The decision is taken once: the claim on `escalated_at` and the outbound rows go in one batch
 *   (rows inserted only if the claim changed the notification), so a redelivered job sends nothing
 *   twice; the deliveries are dispatched only after that batch.
 */
import { drizzle } from "drizzle-orm/d1";
import { and, eq, isNull } from "drizzle-orm";
import { getServerByName } from "partyserver";
import { outboundMessages } from "../../db/schema/messaging";
import { notifications, type NotificationType } from "../../db/schema/notifications";
import { userPreferences, users } from "../../db/schema/users";
import type { Bindings } from "../../env";
import { changedRows, insertIfChanged } from "../../lib/guarded-write";
import { uuidv7 } from "../../lib/ids";
import { outboundRef } from "../../messaging/outbound";
import { phiCipherFor } from "../../middleware/request-context";

export const DEFAULT_OFFLINE_MINUTES = 5;

/** Minutes a user stays offline before the fallback goes out (NOTIFY_OFFLINE_MINUTES, default 5). */
export function offlineMinutes(env: Pick<Bindings, "NOTIFY_OFFLINE_MINUTES">): number {
  const value = Number(env.NOTIFY_OFFLINE_MINUTES);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_OFFLINE_MINUTES;
}

/** Queues the fallback check of one notification for when its offline window has passed. */
export async function scheduleOfflineCheck(
  env: Bindings,
  notificationId: string,
  delayMs?: number,
) {
  const delaySeconds = Math.ceil((delayMs ?? offlineMinutes(env) * 60_000) / 1000);
  await env.JOBS.send(
    { type: "notify_offline", notification_id: notificationId },
    // Queues delay at most 12 hours.
    { delaySeconds: Math.min(43_200, Math.max(0, delaySeconds)) },
  );
}

const NOUN: Record<NotificationType, string> = {
  message: "a new message",
  call: "a missed call",
  note: "a clinical note update",
  session: "an exercise session to review",
};

/** The whole text of the fallback: fixed words and an id-only link, nothing from the event. */
export function fallbackText(
  env: Pick<Bindings, "APP_BASE_URL">,
  type: NotificationType,
  link: string,
) {
  const url = `${(env.APP_BASE_URL ?? "").replace(/\/+$/, "")}${link}`;
  return {
    subject: "You have a new notification in rehab-edge",
    email: `You have ${NOUN[type]} in rehab-edge.\n\nOpen it: ${url}\n\nYou can turn these emails off in your notification preferences.`,
    sms: `rehab-edge: you have ${NOUN[type]}. ${url}`,
  };
}

export type OfflineOutcome =
  "gone" | "read" | "decided" | "early" | "online" | "no_channel" | { queued: string[] };

/**
 * Runs the check of one notification (the `notify_offline` job). `now` is the clock (tests pass a
 * later one). Too early (a queue delivered before the delay): re-queued for the rest of it.
 */
export async function escalateNotification(
  env: Bindings,
  notificationId: string,
  now = new Date(),
): Promise<OfflineOutcome> {
  const db = drizzle(env.DB);
  const [row] = await db
    .select({
      id: notifications.id,
      workspaceId: notifications.workspaceId,
      userId: notifications.userId,
      type: notifications.type,
      link: notifications.link,
      createdAt: notifications.createdAt,
      readAt: notifications.readAt,
      escalatedAt: notifications.escalatedAt,
      emailEnc: users.emailEnc,
      phoneEnc: users.phoneEnc,
      active: users.isActive,
      deletedAt: users.deletedAt,
      enabled: userPreferences.notificationsEnabled,
      email: userPreferences.emailNotifications,
      sms: userPreferences.smsNotifications,
    })
    .from(notifications)
    .innerJoin(users, eq(users.id, notifications.userId))
    .leftJoin(userPreferences, eq(userPreferences.userId, notifications.userId))
    .where(eq(notifications.id, notificationId))
    .limit(1);
  if (!row || !row.active || row.deletedAt) return "gone";
  if (row.escalatedAt) return "decided";
  if (row.readAt) return "read";
  const due = Date.parse(row.createdAt) + offlineMinutes(env) * 60_000;
  if (now.getTime() < due) {
    await scheduleOfflineCheck(env, row.id, due - now.getTime());
    return "early";
  }
  const claim = db
    .update(notifications)
    .set({ escalatedAt: now.toISOString() })
    .where(
      and(
        eq(notifications.id, row.id),
        isNull(notifications.escalatedAt),
        isNull(notifications.readAt),
      ),
    );
  const stream = await getServerByName(env.UserStream, row.userId);
  const presence = await stream.presence();
  if (presence.connected > 0 || (presence.lastSeenAt && presence.lastSeenAt >= row.createdAt)) {
    await claim;
    return "online";
  }
  // Preferences are read now, not when the notification was made: turning a channel off stops it.
  const enabled = row.enabled ?? true;
  const phi = phiCipherFor(env);
  const text = fallbackText(env, row.type, row.link);
  const outbound: (typeof outboundMessages.$inferInsert)[] = [];
  const add = async (channel: "email" | "sms", recipient: string, body: string) => {
    const id = uuidv7();
    outbound.push({
      id,
      workspaceId: row.workspaceId,
      channel,
      template: `notification_${channel}`,
      recipientEnc: await phi.encrypt(recipient, outboundRef(id, "recipient")),
      subjectEnc:
        channel === "email" ? await phi.encrypt(text.subject, outboundRef(id, "subject")) : null,
      bodyEnc: await phi.encrypt(body, outboundRef(id, "body")),
      status: "queued",
      createdAt: now.toISOString(),
    });
  };
  if (enabled && (row.email ?? true)) {
    await add(
      "email",
      await phi.decrypt(row.emailEnc, { table: "users", column: "email", rowId: row.userId }),
      text.email,
    );
  }
  const phone =
    enabled && (row.sms ?? false) && row.phoneEnc
      ? await phi.decrypt(row.phoneEnc, { table: "users", column: "phone", rowId: row.userId })
      : null;
  if (phone) await add("sms", phone, text.sms);
  if (outbound.length === 0) {
    await claim;
    return "no_channel";
  }
  const [claimed] = (await db.batch([
    claim,
    ...outbound.map((message) => insertIfChanged(db, outboundMessages, message)),
  ] as never)) as unknown[];
  if (changedRows(claimed) === 0) return "decided";
  for (const message of outbound) {
    await env.JOBS.send({ type: "deliver_message", message_id: message.id! });
  }
  return { queued: outbound.map((m) => m.id!) };
}
