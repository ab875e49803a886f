/**
 * Notifications: one publisher (`notify`) every feature calls, and the recipient's inbox verbs.
 *
 * Invariants:
 * - A notification is stored (title and body encrypted) before it is pushed; the row is the
 *   record clients resync from. One row per (recipient, event): the insert ignores a known
 *   `dedupe_key`, and only rows this call inserted are pushed, audited or escalated, so a retried
 *   event notifies nobody twice.
 * - The text is chosen per recipient by the caller's `content(recipient)`, which knows the
 *   recipient's role: it holds only what that recipient may read (notifications.content.ts).
 * - Preferences decide channels: `notifications_enabled` off keeps the row in the inbox but sends
 *   no push, email or SMS; email and SMS go out only after the user stayed offline for
 *   NOTIFY_OFFLINE_MINUTES (notifications.offline.ts) and never carry the title or body.
 * - A notification about a patient (`patient_id`) is audited (`notification.created`) in the
 *   batch that stores it, only if it was stored.
 * - Inbox verbs touch only the caller's own rows in their workspace; another user's id is 404.
 */
import { and, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { notifications, type NotificationType } from "../../db/schema/notifications";
import { userPreferences, users, type Role } from "../../db/schema/users";
import type { Bindings } from "../../env";
import { recordAudit } from "../../lib/audit";
import { queueAudit } from "../../lib/audit-queue";
import { RequestDb } from "../../lib/db";
import { NotFoundError } from "../../lib/errors";
import { auditIfChanged } from "../../lib/guarded-write";
import { uuidv7 } from "../../lib/ids";
import { offsetOf } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import { phiCipherFor, type RequestContext } from "../../middleware/request-context";
import { publishToUser } from "../realtime/realtime.service";
import { scheduleOfflineCheck } from "./notifications.offline";
import {
  NotificationLink,
  type ListNotificationsQuery,
  type Notification,
} from "./notifications.schemas";

export type Recipient = { id: string; role: Role };
export type NotificationText = { title: string; body: string };

export type NotifyInput = {
  workspaceId: string;
  type: NotificationType;
  /** User ids; unknown, inactive or other-workspace users are skipped. */
  recipients: string[];
  /** Names the event (a message id, a note version): a recipient gets one row per key. */
  dedupeKey: string;
  link: string;
  patientId?: string | null;
  content: (recipient: Recipient) => NotificationText;
  /** Ids and numbers pushed with the event besides the seed's fields (never patient text). */
  extra?: Record<string, string | number | null>;
};

export type NotifyResult = { created: string[]; delivered: number };

export const titleRef = (id: string, column: "title" | "body") => ({
  table: "notifications",
  column,
  rowId: id,
});

/** A context for work outside any request (a room's hook, a queue job): no caller. */
export function systemContext(env: Bindings): RequestContext {
  return {
    env,
    db: new RequestDb(env.DB),
    phi: phiCipherFor(env),
    requestId: uuidv7(),
    ip: null,
    userAgent: null,
    caller: null,
    waitUntil: () => undefined,
  };
}

type Target = Recipient & { enabled: boolean; email: boolean; sms: boolean };

/** D1 binds at most 100 values per statement. */
const CHUNK = 90;

async function targetsOf(ctx: RequestContext, workspaceId: string, ids: string[]) {
  const unique = [...new Set(ids)];
  const chunks = Array.from({ length: Math.ceil(unique.length / CHUNK) }, (_, i) =>
    unique.slice(i * CHUNK, (i + 1) * CHUNK),
  );
  if (chunks.length === 0) return [];
  const results = await ctx.db.read(
    chunks.map((chunk) =>
      ctx.db.orm
        .select({
          id: users.id,
          role: users.role,
          enabled: userPreferences.notificationsEnabled,
          email: userPreferences.emailNotifications,
          sms: userPreferences.smsNotifications,
        })
        .from(users)
        .leftJoin(userPreferences, eq(userPreferences.userId, users.id))
        .where(
          and(
            inArray(users.id, chunk),
            eq(users.workspaceId, workspaceId),
            eq(users.isActive, true),
            isNull(users.deletedAt),
          ),
        ),
    ) as never,
  );
  // No preferences row yet: the seed's defaults (on, email on, SMS off).
  return (results as unknown as TargetRow[][]).flat().map((r): Target => ({
    id: r.id,
    role: r.role,
    enabled: r.enabled ?? true,
    email: r.email ?? true,
    sms: r.sms ?? false,
  }));
}

type TargetRow = {
  id: string;
  role: Role;
  enabled: boolean | null;
  email: boolean | null;
  sms: boolean | null;
};

/**
 * Stores a notification for each recipient (once per `dedupeKey`), pushes `notification:new
 * { id, type, title, body, timestamp, link }` to the recipients who allow it, and schedules the
 * email/SMS fallback for those who allow that. Never throws for a failed push (the row is the
 * record); throws only if D1 refused the write. Returns the ids created and sockets reached.
 */
export async function notify(ctx: RequestContext, input: NotifyInput): Promise<NotifyResult> {
  const link = NotificationLink.parse(input.link);
  const targets = await targetsOf(ctx, input.workspaceId, input.recipients);
  if (targets.length === 0) return { created: [], delivered: 0 };
  const now = new Date().toISOString();
  const rows = await Promise.all(
    targets.map(async (target) => {
      const id = uuidv7();
      const text = input.content(target);
      return {
        target,
        text,
        row: {
          id,
          workspaceId: input.workspaceId,
          userId: target.id,
          type: input.type,
          titleEnc: await ctx.phi.encrypt(text.title, titleRef(id, "title")),
          bodyEnc: await ctx.phi.encrypt(text.body, titleRef(id, "body")),
          link,
          patientId: input.patientId ?? null,
          dedupeKey: input.dedupeKey,
          createdAt: now,
        },
      };
    }),
  );
  const writes: BatchItem<"sqlite">[] = [];
  const insertAt: number[] = [];
  for (const { row, target } of rows) {
    insertAt.push(writes.length);
    writes.push(
      ctx.db.orm
        .insert(notifications)
        .values(row)
        .onConflictDoNothing({ target: [notifications.userId, notifications.dedupeKey] })
        .returning({ id: notifications.id }),
    );
    if (row.patientId) {
      const audit = await auditIfChanged(ctx, {
        action: "notification.created",
        resourceType: "notification",
        resourceId: row.id,
        workspaceId: input.workspaceId,
        ...(!ctx.caller && { actorId: null, actorRole: "system" }),
        metadata: { patient_id: row.patientId, type: row.type, recipient_id: target.id },
      });
      writes.push(audit.query);
    }
  }
  const results = (await ctx.db.write(writes as never)) as unknown[][];
  const stored = rows.filter((_, i) => (results[insertAt[i]!] ?? []).length > 0);

  let delivered = 0;
  await Promise.all(
    stored.map(async ({ row, text, target }) => {
      if (!target.enabled) return;
      try {
        delivered += await publishToUser(ctx.env, target.id, {
          event: "notification:new",
          data: {
            ...input.extra,
            id: row.id,
            type: row.type,
            title: text.title,
            body: text.body,
            timestamp: row.createdAt,
            link,
          },
        });
      } catch (error) {
        // The inbox keeps it: a missed push loses nothing.
        console.warn(
          JSON.stringify({ level: "warn", event: "notify_push_failed", error: name(error) }),
        );
      }
      if (target.email || target.sms) {
        await scheduleOfflineCheck(ctx.env, row.id).catch((error) =>
          console.warn(
            JSON.stringify({ level: "warn", event: "notify_schedule_failed", error: name(error) }),
          ),
        );
      }
    }),
  );
  return { created: stored.map((s) => s.row.id), delivered };
}

const name = (error: unknown) => (error instanceof Error ? error.name : "unknown");

type Row = typeof notifications.$inferSelect;

async function present(ctx: RequestContext, row: Row): Promise<Notification> {
  const [title, body] = await Promise.all([
    ctx.phi.decrypt(row.titleEnc, titleRef(row.id, "title")),
    ctx.phi.decrypt(row.bodyEnc, titleRef(row.id, "body")),
  ]);
  return {
    id: row.id,
    type: row.type,
    title,
    body,
    link: row.link,
    timestamp: row.createdAt,
    read_at: row.readAt,
  };
}

/**
 * The caller's own notifications, newest first (`unread` filter, page paging). Audited as
 * `notification.listed` when the page holds notifications about patients.
 */
export async function listNotifications(ctx: RequestContext, query: ListNotificationsQuery) {
  const caller = callerOf(ctx);
  const where = and(
    eq(notifications.userId, caller.userId),
    eq(notifications.workspaceId, caller.workspaceId),
    query.unread ? isNull(notifications.readAt) : undefined,
  );
  const [rows, [total]] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(notifications)
      .where(where)
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm.select({ n: count() }).from(notifications).where(where),
  ]);
  const items = await Promise.all(rows.map((row) => present(ctx, row)));
  const patientIds = [...new Set(rows.flatMap((r) => (r.patientId ? [r.patientId] : [])))];
  if (patientIds.length > 0) {
    await queueAudit(ctx, {
      action: "notification.listed",
      resourceType: "notification",
      metadata: { count: rows.length, patient_ids: patientIds },
    });
  }
  return { items, total: total?.n ?? 0 };
}

/** Marks one of the caller's notifications read (again is fine: the first time stays). */
export async function markNotificationRead(ctx: RequestContext, id: string) {
  const caller = callerOf(ctx);
  const now = new Date().toISOString();
  const [rows] = await ctx.db.write([
    ctx.db.orm
      .update(notifications)
      .set({ readAt: sql`coalesce(${notifications.readAt}, ${now})` })
      .where(
        and(
          eq(notifications.id, id),
          eq(notifications.userId, caller.userId),
          eq(notifications.workspaceId, caller.workspaceId),
        ),
      )
      .returning({ id: notifications.id, readAt: notifications.readAt }),
  ]);
  const row = rows[0];
  if (!row?.readAt) {
    await recordAudit(ctx, {
      action: "notification.updated",
      resourceType: "notification",
      resourceId: id,
      outcome: "not_found",
    });
    throw new NotFoundError("Notification");
  }
  return { id: row.id, read_at: row.readAt };
}

/** Marks every unread notification of the caller read; returns how many changed. */
export async function markAllNotificationsRead(ctx: RequestContext) {
  const caller = callerOf(ctx);
  const now = new Date().toISOString();
  const [rows] = await ctx.db.write([
    ctx.db.orm
      .update(notifications)
      .set({ readAt: now })
      .where(
        and(
          eq(notifications.userId, caller.userId),
          eq(notifications.workspaceId, caller.workspaceId),
          isNull(notifications.readAt),
        ),
      )
      .returning({ id: notifications.id }),
  ]);
  return { updated: rows.length, read_at: now };
}
