/**
 * Who may reach a chat, and who may be in one.
 *
 * Invariants: a chat is reachable only by its active participants whose relation holds now
 * (chats.audience.ts: one rule for every path), in its workspace, while it is not deleted; anyone
 * else gets 404 (audited), so a chat's existence does not leak. The type of a chat decides who may
 * be added as a participant (`checkParticipants`).
 */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { chatParticipants, chats, type ChatType } from "../../db/schema/chats";
import { careTeamMembers, familyAccess, patients } from "../../db/schema/patients";
import { users, type Role } from "../../db/schema/users";
import { recordAudit, type AuditAction } from "../../lib/audit";
import { NotFoundError, ValidationError, type FieldIssue } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { isStaff } from "../../policy/policy";
import { reachableNow } from "./chats.audience";

export type ChatRow = typeof chats.$inferSelect;
export type ParticipantRow = typeof chatParticipants.$inferSelect;

/**
 * A column written out with its table. (Inside select fields drizzle writes columns unqualified,
 * so in a correlated subquery `"id"` would silently mean the inner table's column.)
 */
export const qualified = (table: string, column: string) => sql.raw(`"${table}"."${column}"`);

/**
 * Loads a chat the caller may reach now (chats.audience.ts), with their participant row, in one
 * round trip. Throws 404 (audited) for an unknown chat, another workspace, a deleted chat, a
 * non-participant, and a participant whose relation ended (care team left, family grant revoked
 * or narrowed, account deactivated): the same answer whatever the reason.
 */
export async function accessChat(ctx: RequestContext, chatId: string, action: AuditAction) {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({
        chat: chats,
        // No participant `id`/`created_at` here: in a batch, same-named columns get mixed up.
        isAdmin: chatParticipants.isAdmin,
        isPinned: chatParticipants.isPinned,
        lastReadSeq: chatParticipants.lastReadSeq,
        reachable: reachableNow().mapWith(Number).as("reachable_now"),
      })
      .from(chats)
      .innerJoin(
        chatParticipants,
        and(
          eq(chatParticipants.chatId, chats.id),
          eq(chatParticipants.userId, caller.userId),
          isNull(chatParticipants.removedAt),
        ),
      )
      .innerJoin(users, eq(users.id, chatParticipants.userId))
      .where(
        and(
          eq(chats.id, chatId),
          eq(chats.workspaceId, caller.workspaceId),
          isNull(chats.deletedAt),
        ),
      )
      .limit(1),
  ]);
  const row = rows[0];
  if (!row || !row.reachable) {
    await recordAudit(ctx, {
      action,
      resourceType: "chat",
      resourceId: chatId,
      outcome: row ? "denied" : "not_found",
      metadata: row ? { reason: "relation_ended" } : null,
    });
    throw new NotFoundError("Chat");
  }
  return {
    chat: row.chat,
    me: { isAdmin: row.isAdmin, isPinned: row.isPinned, lastReadSeq: row.lastReadSeq },
  };
}

export type ChatAccess = Awaited<ReturnType<typeof accessChat>>;

type Candidate = { id: string; role: Role; onCareTeam: number; own: number };

/**
 * Checks that the users may be participants of a chat of this type (and patient): all in the
 * workspace; Internal Staff, SMS and Broadcast senders staff; Care Team and Family Update
 * chats limited to the patient, admins and the patient's care team, plus (Family Update only)
 * family members holding the patient's `chat` scope; Direct chats between two people; family
 * nowhere else. Throws 422 naming `participant_ids` entries.
 */
export async function checkParticipants(
  ctx: RequestContext,
  type: ChatType,
  patientId: string | null,
  userIds: string[],
  field = "participant_ids",
): Promise<Map<string, Role>> {
  const caller = callerOf(ctx);
  const ids = [...new Set(userIds)];
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({
        id: users.id,
        role: users.role,
        onCareTeam:
          sql<number>`exists (select 1 from ${careTeamMembers} where ${careTeamMembers.patientId} = ${patientId ?? ""} and ${careTeamMembers.userId} = ${qualified("users", "id")})`
            .mapWith(Number)
            .as("on_care_team"),
        own: sql<number>`exists (select 1 from ${patients} where ${patients.id} = ${patientId ?? ""} and ${patients.userId} = ${qualified("users", "id")})`
          .mapWith(Number)
          .as("own_record"),
      })
      .from(users)
      .where(
        and(
          inArray(users.id, ids),
          eq(users.workspaceId, caller.workspaceId),
          isNull(users.deletedAt),
        ),
      ),
  ]);
  const found = new Map(rows.map((r) => [r.id, r as Candidate]));
  const issues: FieldIssue[] = [];
  const [grants] = ids.some((id) => found.get(id)?.role === "family")
    ? await ctx.db.read([
        ctx.db.orm
          .select({ userId: familyAccess.familyUserId })
          .from(familyAccess)
          .where(
            and(
              eq(familyAccess.patientId, patientId ?? ""),
              eq(familyAccess.workspaceId, caller.workspaceId),
              isNull(familyAccess.revokedAt),
              sql`exists (select 1 from json_each(${familyAccess.scopes}) where value = 'chat')`,
            ),
          ),
      ])
    : [[]];
  const granted = new Set(grants.map((g) => g.userId));
  ids.forEach((id, i) => {
    const user = found.get(id);
    const problem = !user ? "No such user in this workspace" : refusal(type, user, granted);
    if (problem) issues.push({ field: `${field}.${i}`, message: problem });
  });
  if (issues.length) throw new ValidationError(issues);
  return new Map(ids.map((id) => [id, found.get(id)!.role]));
}

function refusal(type: ChatType, user: Candidate, granted: Set<string>): string | null {
  if (user.role === "family") {
    if (type !== "Family Update") return "Family members join only Family Update chats";
    return granted.has(user.id) ? null : "This family member has no chat access to the patient";
  }
  if (type === "Internal Staff" || type === "SMS") {
    return isStaff(user.role) ? null : "Only staff join this type of chat";
  }
  if (type === "Care Team" || type === "Family Update") {
    if (user.role === "admin" || user.onCareTeam || user.own) return null;
    return "Only the patient, admins and the patient's care team join this chat";
  }
  return null;
}
