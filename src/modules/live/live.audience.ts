/**
 * Who may still be in a live exercise room: the same patient policy that let them in
 * (`patientVisibility`: the patient's device is their own record, watchers the care team and
 * admins), asked again now for the connections a room holds, with the account still active.
 * The room asks it when a relation ends (`accessChanged`, at once) and on its alarm (backstop).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { patients } from "../../db/schema/patients";
import { users, type Role } from "../../db/schema/users";
import type { Bindings } from "../../env";
import type { Caller } from "../../middleware/request-context";
import { patientVisibility } from "../../policy/policy";

/** Of `callers`, the user ids that may still reach the patient's live room. */
export async function liveAudience(
  env: Pick<Bindings, "DB">,
  patientId: string,
  callers: Caller[],
): Promise<Set<string>> {
  const orm = drizzle(env.DB);
  const unique = [...new Map(callers.map((c) => [c.userId, c])).values()];
  if (unique.length === 0) return new Set();
  const queries = unique.map((caller) =>
    orm
      .select({ id: patients.id })
      .from(patients)
      .where(
        and(
          eq(patients.id, patientId),
          isNull(patients.deletedAt),
          patientVisibility(caller),
          sql`exists (select 1 from ${users} where ${users.id} = ${caller.userId}
            and ${users.isActive} = 1 and ${users.deletedAt} is null)`,
        ),
      )
      .limit(1),
  );
  const results = (await orm.batch(queries as never)) as unknown[][];
  return new Set(unique.filter((_, i) => (results[i]?.length ?? 0) > 0).map((c) => c.userId));
}

export const asCaller = (state: {
  userId: string;
  workspaceId: string;
  role: string;
  sessionId: string;
}): Caller => ({ ...state, role: state.role as Role });
