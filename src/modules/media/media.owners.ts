/**
 * Who may read or write the media of an owner. Each module that attaches media to its objects
 * registers a check for its owner kind (`exercise_session`, `chat`, `clinical_note`, `call`…);
 * the check applies the same rules as that module's own routes and throws NotFoundError or
 * ForbiddenError (audited) on refusal. This module registers `patient` and `user` itself.
 */
import { and, eq, isNull, type SQL, type SQLWrapper } from "drizzle-orm";
import { mediaObjects } from "../../db/schema/media";
import { users } from "../../db/schema/users";
import { recordAudit } from "../../lib/audit";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, isStaff } from "../../policy/policy";

export type MediaAccessMode = "read" | "write";
export type MediaOwner = { kind: string; id: string };
export type MediaOwnerCheck = (
  ctx: RequestContext,
  ownerId: string,
  mode: MediaAccessMode,
) => Promise<{ patientId: string | null }>;

const OWNER_KIND = /^[a-z][a-z0-9_]{1,39}$/;
const registry = new Map<string, MediaOwnerCheck>();

/**
 * Registers the access check of an owner kind. Call once, at module load; registering a kind
 * twice is a programming error (two modules would disagree on who may see the media).
 */
export function registerMediaOwner(kind: string, check: MediaOwnerCheck) {
  if (!OWNER_KIND.test(kind)) throw new Error(`Invalid media owner kind: ${kind}`);
  if (registry.has(kind) && registry.get(kind) !== check) {
    throw new Error(`Media owner kind registered twice: ${kind}`);
  }
  registry.set(kind, check);
}

export const mediaOwnerKinds = () => [...registry.keys()];

/**
 * SQL naming why an owner's media are frozen (`'signed'`, `'finalized'`…), NULL when they may
 * change; `ownerId` is the media row's `owner_id` column. While it is not NULL the media of that
 * owner are neither added (upload completion) nor deleted: they go only with the owner itself,
 * under the owner's retention rule (once the owner row is gone the SQL gives NULL again).
 */
export type MediaOwnerLock = (ownerId: SQLWrapper) => SQL<string | null>;
const locks = new Map<string, MediaOwnerLock>();

/** Registers the lock of an owner kind (once, at module load, like its access check). */
export function registerMediaLock(kind: string, lock: MediaOwnerLock) {
  if (locks.has(kind) && locks.get(kind) !== lock) {
    throw new Error(`Media lock registered twice: ${kind}`);
  }
  locks.set(kind, lock);
}

/** The lock state of a kind's owner as SQL over `media_objects.owner_id`; null: no lock. */
export function lockStateOf(kind: string): SQL<string | null> | null {
  return locks.get(kind)?.(mediaObjects.ownerId) ?? null;
}

/** The 409 of a frozen owner, naming its state. */
export const frozenError = (kind: string, state: string) =>
  new ConflictError(`The ${kind.replace(/_/g, " ")} is ${state}; its media cannot change`, {
    state,
  });

/** Runs the owner's check; an unknown kind is a 422 naming `owner.kind`. */
export async function checkMediaOwner(
  ctx: RequestContext,
  owner: MediaOwner,
  mode: MediaAccessMode,
): Promise<{ patientId: string | null }> {
  const check = registry.get(owner.kind);
  if (!check) {
    throw new ValidationError([
      { field: "owner.kind", message: `One of: ${mediaOwnerKinds().join(", ")}` },
    ]);
  }
  return check(ctx, owner.id, mode);
}

/** A patient's media: the patient policy (care team, the patient's own record; not family). */
registerMediaOwner("patient", async (ctx, ownerId, mode) => {
  const action = mode === "write" ? "media.created" : "media.read";
  const patient = await accessPatient(ctx, ownerId, mode, { action, resourceType: "patient" });
  // Family see summaries a patient shared, never the raw recordings and files.
  if (callerOf(ctx).role === "family") {
    await recordAudit(ctx, {
      action,
      resourceType: "patient",
      resourceId: ownerId,
      outcome: "denied",
      metadata: { reason: "role" },
    });
    throw new ForbiddenError();
  }
  return { patientId: patient.id };
});

/**
 * A user's own media (chat files and voice messages they send before a thread owns them):
 * written only by that user; read by that user or staff of the same workspace.
 */
registerMediaOwner("user", async (ctx, ownerId, mode) => {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.id, ownerId),
          eq(users.workspaceId, caller.workspaceId),
          isNull(users.deletedAt),
        ),
      )
      .limit(1),
  ]);
  const self = ownerId === caller.userId;
  const allowed = rows.length > 0 && (self || (mode === "read" && isStaff(caller.role)));
  if (allowed) return { patientId: null };
  await recordAudit(ctx, {
    action: mode === "write" ? "media.created" : "media.read",
    resourceType: "user",
    resourceId: ownerId,
    outcome: rows.length === 0 ? "not_found" : "denied",
  });
  if (rows.length > 0 && isStaff(caller.role)) throw new ForbiddenError();
  throw new NotFoundError("User");
});
