/**
 * The caller's own profile and preferences. Any role; the caller is always the subject, so there
 * is no role check, only the workspace scope. Audit metadata names changed fields, never values.
 */
import { and, eq, isNull } from "drizzle-orm";
import { userPreferences, users } from "../../db/schema/users";
import { nowIso } from "../../db/schema/columns";
import { auditEntry } from "../../lib/audit";
import { guardedWrite } from "../../lib/guarded-write";
import { UnauthorizedError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { Caller, RequestContext } from "../../middleware/request-context";
import {
  encryptedUserChanges,
  presentPreferences,
  presentUser,
  assertProfessional,
  professionalChanges,
} from "./users.data";

import { UpdateMeInput, UpdatePreferencesInput } from "./users.schemas";

const selfQuery = (ctx: RequestContext, caller: Caller) =>
  ctx.db.orm
    .select()
    .from(users)
    .where(
      and(
        eq(users.id, caller.userId),
        eq(users.workspaceId, caller.workspaceId),
        isNull(users.deletedAt),
      ),
    )
    .limit(1);

/** Names of the fields present in a partial input. */
export const changedFields = (input: Record<string, unknown>) =>
  Object.keys(input).filter((k) => input[k] !== undefined);

/** The caller's profile (`user.read`). */
export async function getMe(ctx: RequestContext) {
  const caller = callerOf(ctx);
  const audit = await auditEntry(ctx, {
    action: "user.read",
    resourceType: "user",
    resourceId: caller.userId,
  });
  const [rows] = await ctx.db.read([selfQuery(ctx, caller), audit.query]);
  if (!rows[0]) throw new UnauthorizedError("Account no longer exists");
  return presentUser(ctx.phi, rows[0]);
}

/** Updates the caller's name, phone, title or avatar (`user.updated`, field names only). */
export async function updateMe(ctx: RequestContext, raw: UpdateMeInput) {
  const caller = callerOf(ctx);
  const input = UpdateMeInput.parse(raw);
  assertProfessional(input, caller.role);
  const set = {
    ...(await professionalChanges(ctx.phi, caller.userId, input)),
    ...(await encryptedUserChanges(ctx.phi, caller.userId, {
      name: input.name,
      phone: input.phone_number,
    })),
    ...(input.title !== undefined && { title: input.title }),
    ...(input.avatar_url !== undefined && { avatarUrl: input.avatar_url }),
    updatedAt: nowIso(),
  };
  const { result: updated } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(users)
      .set(set)
      .where(
        and(
          eq(users.id, caller.userId),
          eq(users.workspaceId, caller.workspaceId),
          isNull(users.deletedAt),
        ),
      )
      .returning(),
    audit: {
      action: "user.updated",
      resourceType: "user",
      resourceId: caller.userId,
      metadata: { fields: changedFields(input) },
    },
  });
  if (!updated[0]) throw new UnauthorizedError("Account no longer exists");
  return presentUser(ctx.phi, updated[0]);
}

const defaultPreferences = (caller: Caller) => ({
  userId: caller.userId,
  workspaceId: caller.workspaceId,
  favoriteTemplates: [] as string[],
  updatedAt: nowIso(),
});

const preferencesQuery = (ctx: RequestContext, caller: Caller) =>
  ctx.db.orm
    .select()
    .from(userPreferences)
    .where(
      and(
        eq(userPreferences.userId, caller.userId),
        eq(userPreferences.workspaceId, caller.workspaceId),
      ),
    )
    .limit(1);

/** The caller's preferences (`preferences.read`); defaults when none were ever saved. */
export async function getPreferences(ctx: RequestContext) {
  const caller = callerOf(ctx);
  const audit = await auditEntry(ctx, {
    action: "preferences.read",
    resourceType: "preferences",
    resourceId: caller.userId,
  });
  const [rows] = await ctx.db.read([preferencesQuery(ctx, caller), audit.query]);
  return presentPreferences(
    rows[0] ?? {
      ...defaultPreferences(caller),
      defaultTemplate: null,
      autoScribe: true,
      notificationsEnabled: true,
      emailNotifications: true,
      smsNotifications: false,
      darkMode: false,
      language: "en",
      timezone: null,
    },
  );
}

/** Partial update of the caller's preferences (`preferences.updated`, field names only). */
export async function updatePreferences(ctx: RequestContext, raw: UpdatePreferencesInput) {
  const caller = callerOf(ctx);
  const input = UpdatePreferencesInput.parse(raw);
  const set = {
    ...(input.default_template !== undefined && { defaultTemplate: input.default_template }),
    ...(input.favorite_templates !== undefined && {
      favoriteTemplates: [...new Set(input.favorite_templates)],
    }),
    ...(input.auto_scribe !== undefined && { autoScribe: input.auto_scribe }),
    ...(input.notifications_enabled !== undefined && {
      notificationsEnabled: input.notifications_enabled,
    }),
    ...(input.email_notifications !== undefined && {
      emailNotifications: input.email_notifications,
    }),
    ...(input.sms_notifications !== undefined && { smsNotifications: input.sms_notifications }),
    ...(input.dark_mode !== undefined && { darkMode: input.dark_mode }),
    ...(input.language !== undefined && { language: input.language }),
    ...(input.timezone !== undefined && { timezone: input.timezone }),
    updatedAt: nowIso(),
  };
  const audit = await auditEntry(ctx, {
    action: "preferences.updated",
    resourceType: "preferences",
    resourceId: caller.userId,
    metadata: { fields: changedFields(input) },
  });
  const [saved] = await ctx.db.write([
    ctx.db.orm
      .insert(userPreferences)
      .values({ ...defaultPreferences(caller), ...set })
      .onConflictDoUpdate({
        target: userPreferences.userId,
        set,
        setWhere: eq(userPreferences.workspaceId, caller.workspaceId),
      })
      .returning(),
    audit.query,
  ]);
  if (!saved[0]) throw new UnauthorizedError("Account no longer exists");
  return presentPreferences(saved[0]);
}
