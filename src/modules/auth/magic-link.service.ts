/**
 * Passwordless sign-in by emailed link (seed 001).
 * Invariants:
 * - Requesting a link answers the same for known and unknown emails and does the same
 *   token, hashing and encryption work either way, so neither the answer nor its timing tells
 *   whether an account exists. Requests are limited per client address.
 * - Only the token's SHA-256 is stored. A link signs in once, within its lifetime: it is claimed
 *   with a conditional update, so two concurrent uses cannot both win.
 * - The second factor is checked before the link is claimed, so a missing or mistyped MFA code
 *   does not burn the link.
 */
import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import { magicLinks } from "../../db/schema/auth";
import { users } from "../../db/schema/users";
import { auditEntry, recordAudit } from "../../lib/audit";
import { randomToken, sha256Hex } from "../../lib/encoding";
import { UnauthorizedError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { prepareOutbound } from "../../messaging/outbound";
import { enforceRateLimit, ipBucket, LIMITS } from "../../middleware/rate-limit";
import type { RequestContext } from "../../middleware/request-context";
import { emailIndex } from "../users/users.data";
import { acceptInvite } from "./auth.invites";
import { sessionAnswer } from "./auth.sessions";
import type { RequestMagicLinkInput, VerifyMagicLinkQuery } from "./magic-link.schemas";
import { verifyMfaCode } from "./mfa.verify";

export const MAGIC_LINK_TTL_MS = 15 * 60_000;
const INVALID_LINK = "This sign-in link is invalid, used or expired";
const REQUESTED =
  "If an account exists for this email, a sign-in link is on its way. It works once, for 15 minutes.";

/** The link a token opens; also used by invitation emails. */
export const magicLinkUrl = (ctx: RequestContext, token: string) =>
  `${ctx.env.APP_BASE_URL}/api/v1/auth/verify-magic-link?token=${encodeURIComponent(token)}`;

const linkEmail = (ctx: RequestContext, token: string) => ({
  subject: "Your rehab-edge sign-in link",
  body: [
    "Use this link to sign in to rehab-edge:",
    magicLinkUrl(ctx, token),
    "",
    "It works once and expires in 15 minutes. If you did not ask for it, ignore this email.",
  ].join("\n"),
});

/**
 * Emails a sign-in link to an active account with this address. Always answers the same;
 * rate limited per client address (429 with Retry-After).
 */
export async function requestMagicLink(ctx: RequestContext, input: RequestMagicLinkInput) {
  await enforceRateLimit(ctx, ipBucket(ctx, "magic-link"), LIMITS.magicLink);
  const email = input.email.trim().toLowerCase();
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(users)
      .where(eq(users.emailIndex, await emailIndex(ctx.phi, email)))
      .limit(1),
  ]);
  const found = rows[0];
  const user = found && found.isActive && !found.deletedAt ? found : null;

  // Same work whether or not the account exists: token, hash, and the encrypted message.
  const token = randomToken();
  const tokenHash = await sha256Hex(token);
  const message = await prepareOutbound(ctx, {
    channel: "email",
    template: "magic_link",
    recipient: email,
    ...linkEmail(ctx, token),
    workspaceId: user?.workspaceId ?? null,
  });
  const now = new Date();
  const linkId = uuidv7();
  const audit = await auditEntry(ctx, {
    workspaceId: user?.workspaceId ?? null,
    actorId: user?.id ?? null,
    actorRole: user?.role ?? null,
    action: "auth.magic_link_requested",
    resourceType: "user",
    resourceId: user?.id ?? null,
    outcome: user ? "success" : "not_found",
    metadata: user ? { link_id: linkId } : null,
  });
  if (!user) {
    await ctx.db.write([audit.query]);
  } else {
    await ctx.db.write([
      ctx.db.orm.insert(magicLinks).values({
        id: linkId,
        tokenHash,
        userId: user.id,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + MAGIC_LINK_TTL_MS).toISOString(),
      }),
      message.insert,
      audit.query,
    ]);
    // Queued after the response, so a known address does not answer more slowly.
    ctx.waitUntil(message.dispatch());
  }
  return { message: REQUESTED, expires_in: MAGIC_LINK_TTL_MS / 1000 };
}

async function refuse(
  ctx: RequestContext,
  reason: string,
  link?: { id: string },
  user?: { id: string; workspaceId: string; role: string } | null,
): Promise<never> {
  await recordAudit(ctx, {
    workspaceId: user?.workspaceId ?? null,
    actorId: user?.id ?? null,
    actorRole: user?.role ?? null,
    action: "auth.magic_link_used",
    resourceType: "magic_link",
    resourceId: link?.id ?? null,
    outcome: "denied",
    metadata: { reason },
  });
  throw new UnauthorizedError(INVALID_LINK);
}

/**
 * Signs in with a link token, once. An invitation's link creates the invited account instead.
 * With MFA on, `mfa_code` is required (401 with `mfa_required`), checked before the link is used.
 */
export async function verifyMagicLink(ctx: RequestContext, query: VerifyMagicLinkQuery) {
  await enforceRateLimit(ctx, ipBucket(ctx, "magic-link-verify"), LIMITS.login);
  const now = new Date().toISOString();
  const tokenHash = await sha256Hex(query.token);
  // Two queries rather than a join: a D1 batch maps columns by name, so same-named columns
  // of joined tables would collide.
  const [links, owners] = await ctx.db.read([
    ctx.db.orm.select().from(magicLinks).where(eq(magicLinks.tokenHash, tokenHash)).limit(1),
    ctx.db.orm
      .select()
      .from(users)
      .where(
        inArray(
          users.id,
          ctx.db.orm
            .select({ id: magicLinks.userId })
            .from(magicLinks)
            .where(eq(magicLinks.tokenHash, tokenHash)),
        ),
      )
      .limit(1),
  ]);
  const link = links[0];
  if (!link) return refuse(ctx, "unknown");
  const user = owners[0] ?? null;
  if (link.usedAt) return refuse(ctx, "used", link, user);
  if (link.expiresAt <= now) return refuse(ctx, "expired", link, user);
  if (link.inviteId) return acceptInvite(ctx, query.token);
  if (!user || !user.isActive || user.deletedAt) return refuse(ctx, "account", link, user);

  const who = { workspaceId: user.workspaceId, actorId: user.id, actorRole: user.role };
  if (user.mfaEnabled) {
    if (!query.mfa_code) {
      throw new UnauthorizedError("A second factor is required", { mfa_required: true });
    }
    if (!(await verifyMfaCode(ctx, user, query.mfa_code))) {
      await recordAudit(ctx, {
        ...who,
        action: "auth.mfa_failed",
        resourceType: "user",
        resourceId: user.id,
        outcome: "denied",
        metadata: { method: "magic_link" },
      });
      throw new UnauthorizedError("Invalid second factor", { mfa_required: true });
    }
  }

  const claimed = await ctx.db.orm
    .update(magicLinks)
    .set({ usedAt: now })
    .where(
      and(eq(magicLinks.id, link.id), isNull(magicLinks.usedAt), gt(magicLinks.expiresAt, now)),
    )
    .returning({ id: magicLinks.id });
  if (claimed.length === 0) return refuse(ctx, "used", link, user);

  const answer = await sessionAnswer(ctx, user, "magic_link");
  await ctx.db.write([
    ...answer.rows,
    ctx.db.orm.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id)),
    (
      await auditEntry(ctx, {
        ...who,
        action: "auth.magic_link_used",
        resourceType: "magic_link",
        resourceId: link.id,
        metadata: { user_id: user.id, mfa: user.mfaEnabled },
      })
    ).query,
  ]);
  return answer.body;
}
