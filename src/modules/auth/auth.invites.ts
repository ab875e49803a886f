/**
 * Accepting an invitation: by registering with its token (with a password) or by following its
 * magic link (passwordless). Either way the account is created in the inviting workspace with the
 * invited role, linked to the patient record the invite names (a patient's own record, or a family
 * member's access to it), and a session opens.
 * Invariant: the link is claimed with a conditional update, so a token opens one account once.
 */
import { isUniqueViolation } from "../../lib/db";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { invites, magicLinks } from "../../db/schema/auth";
import { familyAccess, patients } from "../../db/schema/patients";
import { userPreferences, users } from "../../db/schema/users";
import { auditEntry } from "../../lib/audit";
import { hashPassword } from "../../lib/crypto/password";
import { sha256Hex } from "../../lib/encoding";
import { ConflictError, UnauthorizedError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { emailIndex, newUserRow, type UserRow } from "../users/users.data";
import { sessionAnswer } from "./auth.sessions";

export const inviteRef = (id: string, column: string) => ({ table: "invites", column, rowId: id });
const INVALID = "Invitation is invalid or has expired";

type Profile = {
  email?: string;
  password?: string;
  name?: string;
  phone_number?: string;
  title?: string;
};

export async function acceptInvite(ctx: RequestContext, token: string, profile: Profile = {}) {
  const now = new Date().toISOString();
  const tokenHash = await sha256Hex(token);
  // Two queries, not a join: a D1 batch maps result columns by name, so the same-named columns
  // of magic_links and invites (id, created_at, expires_at) would overwrite each other.
  const [linkRows, inviteRows] = await ctx.db.read([
    ctx.db.orm.select().from(magicLinks).where(eq(magicLinks.tokenHash, tokenHash)).limit(1),
    ctx.db.orm
      .select()
      .from(invites)
      .where(
        inArray(
          invites.id,
          ctx.db.orm
            .select({ id: magicLinks.inviteId })
            .from(magicLinks)
            .where(eq(magicLinks.tokenHash, tokenHash)),
        ),
      )
      .limit(1),
  ]);
  const link = linkRows[0];
  const invite = inviteRows[0];
  if (!link || !invite || link.usedAt || link.expiresAt < now || invite.acceptedAt)
    throw new UnauthorizedError(INVALID);
  const email = await ctx.phi.decrypt(invite.emailEnc, inviteRef(invite.id, "email"));
  if (profile.email && profile.email.trim().toLowerCase() !== email) {
    throw new ValidationError([{ field: "email", message: "Does not match the invitation" }]);
  }
  const [existing] = await ctx.db.read([
    ctx.db.orm
      .select({ id: users.id })
      .from(users)
      .where(eq(users.emailIndex, await emailIndex(ctx.phi, email)))
      .limit(1),
  ]);
  if (existing[0])
    throw new ConflictError(
      "An account with this email already exists",
      undefined,
      "DUPLICATE_ENTRY",
    );

  const claimed = await ctx.db.orm
    .update(magicLinks)
    .set({ usedAt: now })
    .where(and(eq(magicLinks.id, link.id), isNull(magicLinks.usedAt)))
    .returning({ id: magicLinks.id });
  if (claimed.length === 0) throw new UnauthorizedError(INVALID);

  const invitedName = await ctx.phi.decryptOptional(invite.nameEnc, inviteRef(invite.id, "name"));
  const created = await newUserRow(ctx.phi, {
    workspaceId: invite.workspaceId,
    role: invite.role,
    email,
    name: profile.name ?? invitedName ?? email.split("@")[0]!,
    phone: profile.phone_number ?? null,
    title: profile.title ?? null,
    passwordHash: profile.password
      ? await hashPassword(profile.password, ctx.env.PASSWORD_PEPPER)
      : null,
  });
  const user = { ...created.row, isActive: true, mfaEnabled: false } as UserRow;
  const answer = await sessionAnswer(ctx, user, "invite");
  const who = { workspaceId: invite.workspaceId, actorId: user.id, actorRole: user.role };
  const links = [];
  if (invite.patientId && invite.role === "patient") {
    // Claim the record before creating the account: of two invites for one record, one links.
    const linked = await ctx.db.orm
      .update(patients)
      .set({ userId: user.id, updatedAt: now })
      .where(
        and(
          eq(patients.id, invite.patientId),
          eq(patients.workspaceId, invite.workspaceId),
          isNull(patients.userId),
        ),
      )
      .returning({ id: patients.id });
    if (linked.length === 0) {
      throw new ConflictError("This patient record already has an account", [
        { field: "invite_token", message: "The patient record is already linked" },
      ]);
    }
  }
  if (invite.patientId && invite.role === "family") {
    links.push(
      ctx.db.orm.insert(familyAccess).values({
        id: uuidv7(),
        workspaceId: invite.workspaceId,
        patientId: invite.patientId,
        familyUserId: user.id,
        scopes: ["chat", "session_summaries"],
        grantedBy: invite.invitedBy,
        createdAt: now,
      }),
      (
        await auditEntry(ctx, {
          ...who,
          action: "family_access.granted",
          resourceType: "patient",
          resourceId: invite.patientId,
          metadata: {
            family_user_id: user.id,
            scopes: ["chat", "session_summaries"],
            granted_by: invite.invitedBy,
          },
        })
      ).query,
    );
  }
  try {
    await ctx.db.write([
      ctx.db.orm.insert(users).values(created.row),
      ctx.db.orm.insert(userPreferences).values(created.preferences),
      ctx.db.orm
        .update(invites)
        .set({ acceptedAt: now, acceptedUserId: user.id })
        .where(eq(invites.id, invite.id)),
      ...links,
      ...answer.rows,
      (
        await auditEntry(ctx, {
          ...who,
          action: "invite.accepted",
          resourceType: "invite",
          resourceId: invite.id,
          metadata: { role: invite.role, patient_linked: !!invite.patientId },
        })
      ).query,
    ]);
  } catch (error) {
    // The account could not be created (an account with this email appeared meanwhile): undo the
    // record claim so the invite's patient is not left linked to nobody.
    if (invite.patientId && invite.role === "patient") {
      await ctx.db.orm
        .update(patients)
        .set({ userId: null })
        .where(and(eq(patients.id, invite.patientId), eq(patients.userId, user.id)));
    }
    if (isUniqueViolation(error)) {
      throw new ConflictError(
        "An account with this email already exists",
        undefined,
        "DUPLICATE_ENTRY",
      );
    }
    throw error;
  }
  return answer.body;
}
