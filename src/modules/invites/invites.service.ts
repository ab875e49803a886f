/**
 * Inviting people into a clinic by email (seed 001, seed 002): colleagues, patients, family.
 * Invariants:
 * - Admins invite any role; clinicians invite only a patient for a record they may write (on its
 *   care team) and family members of such a patient. Nobody invites into another workspace: the
 *   workspace is the caller's, and a patient of another workspace is a 404.
 * - The invitee's email and name are stored only encrypted (bound to the invite row), with a
 *   blind index of the email; the token is emailed and only its SHA-256 stored (as a magic link
 *   tied to the invite, valid 7 days). Accepting it is `acceptInvite` (auth.invites.ts).
 */
import { and, count, desc, eq, gt, isNotNull, isNull, lte, type SQL } from "drizzle-orm";
import { invites, magicLinks } from "../../db/schema/auth";
import { users, type Role } from "../../db/schema/users";
import { workspaces } from "../../db/schema/workspaces";
import { auditEntry, recordAudit } from "../../lib/audit";
import { randomToken, sha256Hex } from "../../lib/encoding";
import { ConflictError, ForbiddenError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { offsetOf } from "../../lib/pagination";
import { prepareOutbound } from "../../messaging/outbound";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient, requirePermission } from "../../policy/policy";
import { inviteRef } from "../auth/auth.invites";
import { magicLinkUrl } from "../auth/magic-link.service";
import { emailIndex } from "../users/users.data";
import type { CreateInviteInput, ListInvitesQuery } from "./invites.schemas";

export const INVITE_TTL_MS = 7 * 24 * 3600_000;
/**
 * Clinicians invite their patients; family members are invited by an admin, because accepting a
 * family invite grants access to the patient, and only the patient or an admin grants that.
 */
const CLINICIAN_MAY_INVITE: readonly Role[] = ["patient"];

type InviteRow = typeof invites.$inferSelect;

const inviteEmailIndex = (ctx: RequestContext, email: string) =>
  ctx.phi.blindIndex("invite.email", email);

const statusOf = (row: InviteRow, now: string) =>
  row.acceptedAt ? "accepted" : row.expiresAt <= now ? "expired" : "pending";

async function presentInvite(ctx: RequestContext, row: InviteRow, now: string) {
  return {
    id: row.id,
    email: await ctx.phi.decrypt(row.emailEnc, inviteRef(row.id, "email")),
    name: await ctx.phi.decryptOptional(row.nameEnc, inviteRef(row.id, "name")),
    role: row.role,
    patient_id: row.patientId,
    status: statusOf(row, now) as "pending" | "accepted" | "expired",
    invited_by: row.invitedBy,
    created_at: row.createdAt,
    expires_at: row.expiresAt,
    accepted_at: row.acceptedAt,
  };
}

const ROLE_LABEL: Record<Role, string> = {
  admin: "an administrator",
  physiotherapist: "a physiotherapist",
  doctor: "a doctor",
  nurse: "a nurse",
  patient: "a patient",
  family: "a family member",
};

/**
 * Invites `email` into the caller's workspace with `role` (and, for patient and family, the
 * patient record concerned); emails a link that creates the account. 409 if an account exists.
 */
export async function createInvite(ctx: RequestContext, input: CreateInviteInput) {
  const audit = { action: "invite.created", resourceType: "invite" } as const;
  const caller = await requirePermission(ctx, "invites.create", audit);
  if (caller.role !== "admin" && !CLINICIAN_MAY_INVITE.includes(input.role)) {
    await recordAudit(ctx, {
      ...audit,
      outcome: "denied",
      metadata: { reason: "role", invited_role: input.role },
    });
    throw new ForbiddenError("Clinicians may invite patients only");
  }
  if (input.patient_id) {
    const patient = await accessPatient(ctx, input.patient_id, "write", { action: audit.action });
    if (input.role === "patient" && patient.userId) {
      throw new ConflictError("This patient record already has an account", [
        { field: "patient_id", message: "Already linked to an account" },
      ]);
    }
  }
  const email = input.email.trim().toLowerCase();
  const [existing, workspaceRows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: users.id })
      .from(users)
      .where(eq(users.emailIndex, await emailIndex(ctx.phi, email)))
      .limit(1),
    ctx.db.orm
      .select({ name: workspaces.name })
      .from(workspaces)
      .where(eq(workspaces.id, caller.workspaceId))
      .limit(1),
  ]);
  if (existing[0]) {
    throw new ConflictError(
      "An account with this email already exists",
      [{ field: "email", message: "Already registered" }],
      "DUPLICATE_ENTRY",
    );
  }

  const id = uuidv7();
  const token = randomToken();
  const now = new Date();
  const createdAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS).toISOString();
  const row: InviteRow = {
    id,
    workspaceId: caller.workspaceId,
    emailEnc: await ctx.phi.encrypt(email, inviteRef(id, "email")),
    emailIndex: await inviteEmailIndex(ctx, email),
    nameEnc: await ctx.phi.encryptOptional(input.name ?? null, inviteRef(id, "name")),
    role: input.role,
    patientId: input.patient_id ?? null,
    invitedBy: caller.userId,
    createdAt,
    expiresAt,
    acceptedAt: null,
    acceptedUserId: null,
  };
  const clinic = workspaceRows[0]?.name ?? "a clinic";
  const message = await prepareOutbound(ctx, {
    channel: "email",
    template: "invite",
    recipient: email,
    subject: `You are invited to join ${clinic} on rehab-edge`,
    body: [
      `You have been invited to join ${clinic} on rehab-edge as ${ROLE_LABEL[input.role]}.`,
      "Open this link to accept the invitation and sign in (it works once, within 7 days):",
      magicLinkUrl(ctx, token),
    ].join("\n"),
    workspaceId: caller.workspaceId,
  });
  await ctx.db.write([
    ctx.db.orm.insert(invites).values(row),
    ctx.db.orm.insert(magicLinks).values({
      id: uuidv7(),
      tokenHash: await sha256Hex(token),
      inviteId: id,
      createdAt,
      expiresAt,
    }),
    message.insert,
    (
      await auditEntry(ctx, {
        ...audit,
        resourceId: id,
        metadata: { role: input.role, patient_id: input.patient_id ?? null },
      })
    ).query,
  ]);
  await message.dispatch();
  return presentInvite(ctx, row, createdAt);
}

/** A page of the workspace's invitations: all of them for an admin, a clinician's own otherwise. */
export async function listInvites(ctx: RequestContext, query: ListInvitesQuery) {
  const caller = await requirePermission(ctx, "invites.create", {
    action: "invite.listed",
    resourceType: "invite",
  });
  const now = new Date().toISOString();
  const conditions: (SQL | undefined)[] = [eq(invites.workspaceId, caller.workspaceId)];
  if (caller.role !== "admin") conditions.push(eq(invites.invitedBy, caller.userId));
  if (query.status === "accepted") conditions.push(isNotNull(invites.acceptedAt));
  if (query.status === "pending") {
    conditions.push(isNull(invites.acceptedAt), gt(invites.expiresAt, now));
  }
  if (query.status === "expired") {
    conditions.push(isNull(invites.acceptedAt), lte(invites.expiresAt, now));
  }
  const where = and(...conditions);
  const [rows, totals] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(invites)
      .where(where)
      .orderBy(desc(invites.createdAt), desc(invites.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm.select({ total: count() }).from(invites).where(where),
    (
      await auditEntry(ctx, {
        action: "invite.listed",
        resourceType: "invite",
        metadata: { page: query.page, status: query.status ?? null },
      })
    ).query,
  ]);
  return {
    items: await Promise.all(rows.map((row) => presentInvite(ctx, row, now))),
    total: totals[0]?.total ?? 0,
  };
}
