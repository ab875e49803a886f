/** Delivery claims a message before sending, so a queue redelivery racing it cannot send twice. */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../src/env";
import { runCron } from "../../src/jobs/cron";
import { deliverMessage } from "../../src/messaging/delivery";
import { prepareOutbound } from "../../src/messaging/outbound";
import { testContext } from "./context";

const withEmail = (): Bindings => ({
  ...env,
  EMAIL_API_URL: "https://mail.provider.test/send",
  EMAIL_API_KEY: "k",
});

async function stored() {
  const ctx = testContext();
  const prepared = await prepareOutbound(ctx, {
    channel: "email",
    template: "test",
    recipient: "someone@example.test",
    body: "Your appointment is confirmed.",
    workspaceId: null,
  });
  await ctx.db.write([prepared.insert]);
  return prepared.id;
}

const statusOf = (id: string) =>
  env.DB.prepare("select status from outbound_messages where id = ?")
    .bind(id)
    .first<{ status: string }>();

afterEach(() => vi.restoreAllMocks());

describe("delivery claim", () => {
  it("two deliveries of one message at once send it once", async () => {
    const id = await stored();
    const spy = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValue(new Response("{}", { status: 202 }));
    await Promise.all([deliverMessage(withEmail(), id), deliverMessage(withEmail(), id)]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect((await statusOf(id))?.status).toBe("sent");
  });

  it("a failed attempt hands the message back to the queue; cron requeues a stale claim", async () => {
    const id = await stored();
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("down", { status: 503 }));
    await expect(deliverMessage(withEmail(), id)).rejects.toThrow();
    expect((await statusOf(id))?.status).toBe("queued");

    const stale = new Date(Date.now() - 3600_000).toISOString();
    await env.DB.prepare(
      "update outbound_messages set status = 'sending', claimed_at = ? where id = ?",
    )
      .bind(stale, id)
      .run();
    await runCron(env);
    expect((await statusOf(id))?.status).toBe("queued");
  });

  it("cron drops idempotency keys older than a day", async () => {
    const old = new Date(Date.now() - 2 * 24 * 3600_000).toISOString();
    await env.DB.prepare(
      "insert into idempotency_keys (id, user_id, key, request_hash, created_at) values (?, 'u', 'old-key-123', 'h', ?)",
    )
      .bind(crypto.randomUUID(), old)
      .run();
    await runCron(env);
    const left = await env.DB.prepare(
      "select count(*) as n from idempotency_keys where key = 'old-key-123'",
    ).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});
