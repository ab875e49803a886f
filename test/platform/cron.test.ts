/** The cron trigger, through the Worker's exported scheduled() handler. */
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { magicLinks, mfaUsedSteps, refreshTokens } from "../../src/db/schema/auth";
import { recordAudit, verifyAuditChain } from "../../src/lib/audit";
import { uuidv7 } from "../../src/lib/ids";
import { testContext } from "./context";

const HOUR = 3600_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

async function runScheduled() {
  const controller = createScheduledController({
    scheduledTime: new Date(),
    cron: "*/5 * * * *",
  });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

const count = async (sql: string, ...values: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...values)
    .first<{ n: number }>())!.n;

describe("happy", () => {
  it("seals every unsealed audit entry, and the chain verifies", async () => {
    const ctx = testContext();
    const workspaceId = uuidv7();
    for (const action of ["auth.login", "user.read", "auth.logout"] as const)
      await recordAudit(ctx, { action, resourceType: "user", workspaceId });
    const unsealed =
      "select count(*) as n from audit_log where workspace_id = ? and chain_hash is null";
    expect(await count(unsealed, workspaceId)).toBe(3);
    await runScheduled();
    expect(await count(unsealed, workspaceId)).toBe(0);
    const report = await verifyAuditChain(drizzle(env.DB), env.AUDIT_HMAC_KEY, workspaceId);
    expect(report).toMatchObject({ valid: true, entries_checked: 3 });

    // Later entries extend the same chain.
    await recordAudit(ctx, { action: "user.updated", resourceType: "user", workspaceId });
    await runScheduled();
    expect(await count(unsealed, workspaceId)).toBe(0);
    expect(await verifyAuditChain(drizzle(env.DB), env.AUDIT_HMAC_KEY, workspaceId)).toMatchObject({
      valid: true,
      entries_checked: 4,
    });
  });

  it("deletes expired refresh tokens, magic links past their grace day, old TOTP steps", async () => {
    const db = drizzle(env.DB);
    const userId = uuidv7();
    const link = (expiresAt: string) => ({
      id: uuidv7(),
      tokenHash: uuidv7(),
      userId,
      createdAt: iso(-3 * 24 * HOUR),
      expiresAt,
    });
    const links = { old: link(iso(-48 * HOUR)), recent: link(iso(-HOUR)), live: link(iso(HOUR)) };
    const token = (expiresAt: string) => ({
      jti: uuidv7(),
      sessionId: uuidv7(),
      createdAt: iso(-8 * 24 * HOUR),
      expiresAt,
    });
    const tokens = { expired: token(iso(-1000)), live: token(iso(24 * HOUR)) };
    await db.batch([
      db.insert(magicLinks).values(Object.values(links)),
      db.insert(refreshTokens).values(Object.values(tokens)),
      db.insert(mfaUsedSteps).values([
        { userId, step: 1, createdAt: iso(-48 * HOUR) },
        { userId, step: 2, createdAt: iso(-60_000) },
      ]),
    ]);

    await runScheduled();

    const linkIds = (
      await env.DB.prepare("select id from magic_links where user_id = ?").bind(userId).all()
    ).results.map((r) => r.id);
    expect(linkIds.sort()).toEqual([links.recent.id, links.live.id].sort());
    expect(
      await count("select count(*) as n from refresh_tokens where jti = ?", tokens.expired.jti),
    ).toBe(0);
    expect(
      await count("select count(*) as n from refresh_tokens where jti = ?", tokens.live.jti),
    ).toBe(1);
    const steps = await env.DB.prepare("select step from mfa_used_steps where user_id = ?")
      .bind(userId)
      .all();
    expect(steps.results.map((r) => r.step)).toEqual([2]);
  });
});

describe("errors", () => {
  it("runs cleanly with nothing to do", async () => {
    await runScheduled();
    await runScheduled();
  });
});
