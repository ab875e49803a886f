/**
 * Who may read or write the media of an owner: ONE table, `MEDIA_OWNERS`, from each owner kind
 * (`exercise_session`, `chat`, `clinical_note`, `call`, `patient`, `user`) to its access check
 * and, for kinds whose media freeze, its lock. A check applies the same rules as its module's own
 * routes and throws NotFoundError or ForbiddenError (audited) on refusal. The table is typed
 * against the owner kinds the purposes allow (media.purposes.ts), so a kind without a check, or a
 * check for no kind, does not compile; nothing registers itself on import.
 *
 * The checks are function declarations: the modules they come from import the media service, and
 * a declaration is defined before any module of that import cycle runs.
 */
import { and, eq, isNull, type SQL, type SQLWrapper } from "drizzle-orm";
import { mediaObjects } from "../../db/schema/media";
import { users } from "../../db/schema/users";
import { recordAudit } from "../../lib/audit";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, isStaff } from "../../policy/policy";
import { callMediaOwner } from "../calls/calls.recording";
import { chatMediaOwner } from "../chats/chats.media";
import { noteMediaLock, noteMediaOwner } from "../clinical-notes/clinical-notes.attachments";
import { sessionMediaOwner } from "../sessions/sessions.media";
import type { MEDIA_PURPOSES, MediaPurpose } from "./media.purposes";

export type MediaAccessMode = "read" | "write";
export type MediaOwner = { kind: string; id: string };
export type MediaOwnerCheck = (
  ctx: RequestContext,
  ownerId: string,
  mode: MediaAccessMode,
) => Promise<{ patientId: string | null }>;

/**
 * SQL naming why an owner's media are frozen (`'signed'`, `'finalized'`…), NULL when they may
 * change; `ownerId` is the media row's `owner_id` column. While it is not NULL the media of that
 * owner are neither added (upload completion) nor deleted: they go only with the owner itself,
 * under the owner's retention rule (once the owner row is gone the SQL gives NULL again).
 */
export type MediaOwnerLock = (ownerId: SQLWrapper) => SQL<string | null>;

/** Every owner kind some purpose allows. */
export type MediaOwnerKind = (typeof MEDIA_PURPOSES)[MediaPurpose]["owners"][number];
type OwnerEntry = { check: MediaOwnerCheck; lock?: MediaOwnerLock };

export const MEDIA_OWNERS = {
  patient: { check: patientMediaOwner },
  user: { check: userMediaOwner },
  exercise_session: { check: sessionMediaOwner },
  chat: { check: chatMediaOwner },
  clinical_note: { check: noteMediaOwner, lock: noteMediaLock },
  call: { check: callMediaOwner },
} as const satisfies Record<MediaOwnerKind, OwnerEntry>;

const ownerOf = (kind: string): OwnerEntry | undefined =>
  Object.hasOwn(MEDIA_OWNERS, kind) ? MEDIA_OWNERS[kind as MediaOwnerKind] : undefined;

export const mediaOwnerKinds = () => Object.keys(MEDIA_OWNERS) as MediaOwnerKind[];

/** The lock state of a kind's owner as SQL over `media_objects.owner_id`; null: no lock. */
export function lockStateOf(kind: string): SQL<string | null> | null {
  return ownerOf(kind)?.lock?.(mediaObjects.ownerId) ?? null;
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
  const check = ownerOf(owner.kind)?.check;
  if (!check) {
    throw new ValidationError([
      { field: "owner.kind", message: `One of: ${mediaOwnerKinds().join(", ")}` },
    ]);
  }
  return check(ctx, owner.id, mode);
}

/** A patient's media: the patient policy (care team, the patient's own record; not family). */
async function patientMediaOwner(ctx: RequestContext, ownerId: string, mode: MediaAccessMode) {
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
}

/**
 * A user's own media (chat files and voice messages they send before a thread owns them):
 * written only by that user; read by that user or staff of the same workspace.
 */
async function userMediaOwner(ctx: RequestContext, ownerId: string, mode: MediaAccessMode) {
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
}
