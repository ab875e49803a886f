/**
 * The user directory and its administration.
 *
 * Who sees whom: an admin lists and reads every user of the workspace; anyone reads themself;
 * staff read other staff's directory entry (`users.read_directory`); a clinician reading a
 * patient or family user is refused (403); a patient or family member reading anyone else gets
 * 404, so they learn nothing of who exists. Clinicians cannot list users (403): the list is admin
 * only, and they reach colleagues through the entries above.
 *
 * Invariants: a workspace always keeps one active admin; deactivation, deletion and role changes
 * end the user's sessions in the same batch (access tokens carry the role, so they must be reissued).
 */
import { and, asc, count, eq, isNull, ne, sql, type SQL } from "drizzle-orm";
import { authSessions } from "../../db/schema/auth";
import { users, type Role } from "../../db/schema/users";
import { nowIso } from "../../db/schema/columns";
import { auditEntry, recordAudit } from "../../lib/audit";
import { auditIfChanged } from "../../lib/guarded-write";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors";
import { offsetOf } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import { endAllUserStreamSessions } from "../realtime/realtime.service";
import type { RequestContext } from "../../middleware/request-context";
import { hasPermission, isStaff, requirePermission } from "../../policy/policy";
import { changedFields } from "./users.me.service";
import {
  assertProfessional,
  emailIndex,
  encryptedUserChanges,
  professionalChanges,
  presentDirectoryEntry,
  presentUser,
  type UserRow,
} from "./users.data";
import { UpdateUserInput, type ListUsersQuery } from "./users.schemas";

const inWorkspace = (workspaceId: string, id: string) =>
  and(eq(users.id, id), eq(users.workspaceId, workspaceId), isNull(users.deletedAt));

async function searchCondition(ctx: RequestContext, search: string): Promise<SQL> {
  if (search.includes("@")) return eq(users.emailIndex, await emailIndex(ctx.phi, search));
  const tokens = await ctx.phi.nameTokens("user.name", search);
  if (tokens.length === 0) return sql`0`;
  return and(
    ...tokens.map(
      (t) => sql`exists (select 1 from json_each(${users.nameTokens}) where value = ${t})`,
    ),
  )!;
}

/** Admin: the workspace's users, filtered by role, activity and exact email or name words. */
export async function listUsers(ctx: RequestContext, query: ListUsersQuery) {
  const caller = await requirePermission(ctx, "users.manage", {
    action: "user.listed",
    resourceType: "user",
  });
  const where = and(
    eq(users.workspaceId, caller.workspaceId),
    isNull(users.deletedAt),
    query.role ? eq(users.role, query.role) : undefined,
    query.is_active !== undefined ? eq(users.isActive, query.is_active) : undefined,
    query.search ? await searchCondition(ctx, query.search) : undefined,
  );
  const filters = (["role", "search", "is_active"] as const).filter((k) => query[k] !== undefined);
  const audit = await auditEntry(ctx, {
    action: "user.listed",
    resourceType: "user",
    metadata: { filters, page: query.page },
  });
  const [rows, totals] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(users)
      .where(where)
      .orderBy(asc(users.createdAt), asc(users.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm.select({ n: count() }).from(users).where(where),
    audit.query,
  ]);
  const items = await Promise.all(rows.map((u) => presentUser(ctx.phi, u)));
  return { items, total: totals[0]?.n ?? 0 };
}

async function loadUser(ctx: RequestContext, id: string, action: "user.read" | "user.deleted") {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm.select().from(users).where(inWorkspace(caller.workspaceId, id)).limit(1),
  ]);
  if (!rows[0]) {
    await recordAudit(ctx, { action, resourceType: "user", resourceId: id, outcome: "not_found" });
    throw new NotFoundError("User");
  }
  return rows[0];
}

/** One user: full for self and admins, a directory entry for staff reading staff (see above). */
export async function getUser(ctx: RequestContext, id: string) {
  const caller = callerOf(ctx);
  const user = await loadUser(ctx, id, "user.read");
  const full = user.id === caller.userId || hasPermission(caller.role, "users.manage");
  const directory =
    !full && hasPermission(caller.role, "users.read_directory") && isStaff(user.role);
  const audit = { action: "user.read" as const, resourceType: "user", resourceId: id };
  if (!full && !directory) {
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { reason: "relation" } });
    if (isStaff(caller.role)) throw new ForbiddenError();
    throw new NotFoundError("User");
  }
  await recordAudit(ctx, { ...audit, metadata: { view: full ? "full" : "directory" } });
  return full ? presentUser(ctx.phi, user) : presentDirectoryEntry(ctx.phi, user);
}

const roleGroup = (role: Role) => (isStaff(role) ? "staff" : role);

/** SQL: another active admin than `id` remains in the workspace (evaluated inside the batch). */
const anotherAdminRemains = (workspaceId: string, id: string) =>
  sql`(select count(*) from ${users} as other where other.workspace_id = ${workspaceId}
    and other.role = 'admin' and other.is_active = 1 and other.deleted_at is null
    and other.id <> ${id}) > 0`;

const revokeSessions = (ctx: RequestContext, userId: string, reason: string, guard?: SQL) =>
  ctx.db.orm
    .update(authSessions)
    .set({ revokedAt: nowIso(), revokedReason: reason })
    .where(and(eq(authSessions.userId, userId), isNull(authSessions.revokedAt), guard));

/**
 * Admin: changes a user's name, phone, title, role (within staff roles) or activity. Refuses (409)
 * to demote or deactivate the last active admin, checked before and again inside the write batch
 * (two concurrent demotions cannot both pass).
 */
export async function updateUser(ctx: RequestContext, id: string, raw: UpdateUserInput) {
  const caller = await requirePermission(ctx, "users.manage", {
    action: "user.updated",
    resourceType: "user",
    resourceId: id,
  });
  const input = UpdateUserInput.parse(raw);
  const [found, admins] = await ctx.db.read([
    ctx.db.orm.select().from(users).where(inWorkspace(caller.workspaceId, id)).limit(1),
    ctx.db.orm
      .select({ n: count() })
      .from(users)
      .where(
        and(
          eq(users.workspaceId, caller.workspaceId),
          eq(users.role, "admin"),
          eq(users.isActive, true),
          isNull(users.deletedAt),
          ne(users.id, id),
        ),
      ),
  ]);
  const user = found[0];
  const audit = { action: "user.updated" as const, resourceType: "user", resourceId: id };
  if (!user) {
    await recordAudit(ctx, { ...audit, outcome: "not_found" });
    throw new NotFoundError("User");
  }
  if (input.role && roleGroup(input.role) !== roleGroup(user.role)) {
    throw new ValidationError([
      {
        field: "role",
        message: "Only staff roles can be exchanged; patient and family keep theirs",
      },
    ]);
  }
  assertProfessional(input, input.role ?? user.role);
  const demoted = input.role !== undefined && input.role !== user.role;
  const deactivated = input.is_active === false && user.isActive;
  const losesAdmin = user.role === "admin" && user.isActive && (demoted || deactivated);
  const refuse = async (reason: string, message: string) => {
    await recordAudit(ctx, { ...audit, outcome: "failure", metadata: { reason } });
    return new ConflictError(message);
  };
  if (deactivated && id === caller.userId) {
    throw await refuse("self", "You cannot deactivate your own account");
  }
  if (losesAdmin && (admins[0]?.n ?? 0) === 0) {
    throw await refuse("last_admin", "The workspace must keep an active admin");
  }
  const guard = losesAdmin ? anotherAdminRemains(caller.workspaceId, id) : undefined;
  const set = {
    ...(await encryptedUserChanges(ctx.phi, id, { name: input.name, phone: input.phone_number })),
    ...(await professionalChanges(ctx.phi, id, input)),
    ...(input.title !== undefined && { title: input.title }),
    ...(input.role !== undefined && { role: input.role }),
    ...(input.is_active !== undefined && { isActive: input.is_active }),
    updatedAt: nowIso(),
  };
  const endSessions = demoted || deactivated;
  // Kept only if the guarded update right before it changed the row (a lost race: no entry).
  const entry = await auditIfChanged(ctx, {
    ...audit,
    metadata: { fields: changedFields(input), sessions_revoked: endSessions },
  });
  const change = ctx.db.orm
    .update(users)
    .set(set)
    .where(and(inWorkspace(caller.workspaceId, id), guard))
    .returning();
  // Sessions are revoked before the update so both see the same state under the guard.
  const results = endSessions
    ? await ctx.db.write([revokeSessions(ctx, id, "account_changed", guard), change, entry.query])
    : await ctx.db.write([change, entry.query]);
  const updated = (endSessions ? results[1] : results[0]) as UserRow[];
  // Lost a race with another demotion: nothing changed, no success entry; the failure one follows.
  if (!updated[0]) throw await refuse("last_admin", "The workspace must keep an active admin");
  // Open sockets end with the sessions (the rooms also re-check every minute).
  if (endSessions) ctx.waitUntil(endAllUserStreamSessions(ctx.env, id).catch(() => 0));
  return presentUser(ctx.phi, updated[0]);
}

/** Admin: soft-deletes a user (deactivated, sessions ended). Not yourself (409). */
export async function deleteUser(ctx: RequestContext, id: string) {
  const caller = await requirePermission(ctx, "users.manage", {
    action: "user.deleted",
    resourceType: "user",
    resourceId: id,
  });
  if (id === caller.userId) {
    await recordAudit(ctx, {
      action: "user.deleted",
      resourceType: "user",
      resourceId: id,
      outcome: "failure",
      metadata: { reason: "self" },
    });
    throw new ConflictError("You cannot delete your own account");
  }
  const user = await loadUser(ctx, id, "user.deleted");
  // The caller must still be an active admin when the write lands: two admins deleting each
  // other at once would otherwise leave the workspace with none.
  const now = nowIso();
  const callerStillAdmin = sql`exists (select 1 from ${users} as me where me.id = ${caller.userId}
    and me.role = 'admin' and me.is_active = 1 and me.deleted_at is null)`;
  const deleted = await ctx.db.orm
    .update(users)
    .set({ deletedAt: now, isActive: false, updatedAt: now })
    .where(and(inWorkspace(caller.workspaceId, id), ne(users.id, caller.userId), callerStillAdmin))
    .returning({ id: users.id });
  if (deleted.length === 0) {
    await recordAudit(ctx, {
      action: "user.deleted",
      resourceType: "user",
      resourceId: id,
      outcome: "failure",
      metadata: { reason: "caller_no_longer_admin" },
    });
    throw new ConflictError("Your admin rights changed meanwhile; nothing was deleted");
  }
  await ctx.db.write([
    revokeSessions(ctx, id, "account_deleted"),
    (
      await auditEntry(ctx, {
        action: "user.deleted",
        resourceType: "user",
        resourceId: user.id,
        metadata: { role: user.role },
      })
    ).query,
  ]);
  ctx.waitUntil(endAllUserStreamSessions(ctx.env, id).catch(() => 0));
}
