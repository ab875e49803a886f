/**
 * Who is in a chat NOW: the one rule every chat path asks (HTTP reads and posts, the room's
 * commits and fan-out, typing, read receipts, the event stream's replay, the sockets' re-checks).
 *
 * Invariants: a participant row is necessary, never sufficient. A chat about a patient (Care Team,
 * Family Update) is reachable by a participant only while the relation that put them there holds
 * at this moment: admins of the workspace, the patient themself, the patient's care team, and
 * (Family Update only) family members whose unrevoked grant has the `chat` scope. Staff-only chats
 * (Internal Staff, SMS) need a staff role now. In every chat the account must be active, not
 * deleted, in the chat's workspace. Nothing here is cached: each question is one SQL condition
 * evaluated inside the query that needs it, so a relation ended by any path (care-team removal,
 * grant revoked, role lowered, account deactivated, patient deleted, or a direct D1 edit) closes
 * every path at its next use. Sockets already open are closed by `accessChanged` (at once) and by
 * the rooms' periodic re-check (backstop), both of which ask this same rule.
 *
 * The condition names tables by their own names ("chats", "chat_participants", "users"): every
 * query using it joins those three under those names.
 */
import { sql } from "drizzle-orm";

const STAFF = "('admin', 'physiotherapist', 'doctor', 'nurse')";

/** The rule as SQL text (constant: no parameters), for raw D1 statements. */
export const REACHABLE_NOW = `("chat_participants"."removed_at" is null
  and "chats"."deleted_at" is null
  and "users"."deleted_at" is null and "users"."is_active" = 1
  and "users"."workspace_id" = "chats"."workspace_id"
  and case
    when "users"."role" = 'family' then "chats"."type" = 'Family Update' and exists (
      select 1 from "family_access" fa join "patients" pt on pt."id" = fa."patient_id"
      where fa."patient_id" = "chats"."patient_id" and fa."family_user_id" = "users"."id"
        and fa."revoked_at" is null and pt."deleted_at" is null
        and exists (select 1 from json_each(fa."scopes") where value = 'chat'))
    when "chats"."type" in ('Care Team', 'Family Update') then exists (
      select 1 from "patients" pt
      where pt."id" = "chats"."patient_id" and pt."deleted_at" is null
        and ("users"."role" = 'admin' or pt."user_id" = "users"."id"
          or exists (select 1 from "care_team_members" ct
            where ct."patient_id" = pt."id" and ct."user_id" = "users"."id")))
    when "chats"."type" in ('Internal Staff', 'SMS') then "users"."role" in ${STAFF}
    else 1
  end)`;

/** The rule for drizzle queries (select it as a column, or put it in a where). */
export const reachableNow = () => sql<number>`${sql.raw(REACHABLE_NOW)}`;

const FROM = `from "chat_participants"
  join "chats" on "chats"."id" = "chat_participants"."chat_id"
  join "users" on "users"."id" = "chat_participants"."user_id"`;

/** D1 binds at most 100 values per statement. */
const CHUNK = 90;

async function chunked<T>(ids: string[], run: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(ids)];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += CHUNK)
    out.push(...(await run(unique.slice(i, i + CHUNK))));
  return out;
}

const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");

/** The user ids that may reach the chat now (fan-out targets). */
export async function chatAudience(
  db: D1Database,
  chatId: string,
  workspaceId: string,
): Promise<string[]> {
  const rows = await db
    .prepare(
      `select "chat_participants"."user_id" as user_id ${FROM}
       where "chat_participants"."chat_id" = ? and "chats"."workspace_id" = ? and ${REACHABLE_NOW}`,
    )
    .bind(chatId, workspaceId)
    .all<{ user_id: string }>();
  return rows.results.map((r) => r.user_id);
}

/** Of `userIds`, those who may reach the chat now (a room re-checking its sockets). */
export async function reachableUsers(
  db: D1Database,
  chatId: string,
  userIds: string[],
): Promise<Set<string>> {
  const rows = await chunked(userIds, async (chunk) => {
    const result = await db
      .prepare(
        `select "chat_participants"."user_id" as id ${FROM}
         where "chat_participants"."chat_id" = ? and "chat_participants"."user_id" in (${marks(chunk.length)})
           and ${REACHABLE_NOW}`,
      )
      .bind(chatId, ...chunk)
      .all<{ id: string }>();
    return result.results;
  });
  return new Set(rows.map((r) => r.id));
}

/** Of `chatIds`, those the user may reach now (the event stream's replay). */
export async function reachableChats(
  db: D1Database,
  userId: string,
  chatIds: string[],
): Promise<Set<string>> {
  const rows = await chunked(chatIds, async (chunk) => {
    const result = await db
      .prepare(
        `select "chat_participants"."chat_id" as id ${FROM}
         where "chat_participants"."user_id" = ? and "chat_participants"."chat_id" in (${marks(chunk.length)})
           and ${REACHABLE_NOW}`,
      )
      .bind(userId, ...chunk)
      .all<{ id: string }>();
    return result.results;
  });
  return new Set(rows.map((r) => r.id));
}
