/**
 * The cron trigger: seals the audit chains and removes expired credentials
 * (magic links, refresh tokens, used TOTP steps) so they cannot pile up.
 */
import { drizzle } from "drizzle-orm/d1";
import { lt } from "drizzle-orm";
import type { Bindings } from "../env";
import { magicLinks, mfaUsedSteps, refreshTokens } from "../db/schema/auth";
import { sealAuditChain, unsealedWorkspaces } from "../lib/audit";

export async function runCron(env: Bindings, now = new Date()) {
  const db = drizzle(env.DB);
  const iso = now.toISOString();
  const dayAgo = new Date(now.getTime() - 24 * 3600_000).toISOString();
  await db.batch([
    db.delete(magicLinks).where(lt(magicLinks.expiresAt, dayAgo)),
    db.delete(refreshTokens).where(lt(refreshTokens.expiresAt, iso)),
    db.delete(mfaUsedSteps).where(lt(mfaUsedSteps.createdAt, dayAgo)),
  ]);
  let sealed = 0;
  for (const workspaceId of await unsealedWorkspaces(db))
    sealed += await sealAuditChain(db, workspaceId);
  return { sealed };
}
