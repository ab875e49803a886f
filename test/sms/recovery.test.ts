/**
 * The cron's recovery of SMS that lost their job or whose delivery died mid-way: queued again
 * (and then delivered, here into the outbox), while a recent one is left alone and a day-old
 * one is marked failed rather than sent late.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/lib/ids";
import { phiCipherFor } from "../../src/middleware/request-context";
import { phoneIndexOf, smsRef } from "../../src/modules/sms/sms.data";
import { requeueStuckSms } from "../../src/modules/sms/sms.delivery";
import { eventually, rawSms, uniquePhone } from "./helpers";

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function storedSms(status: string, createdAt: string, updatedAt: string) {
  const phi = phiCipherFor(env);
  const id = uuidv7();
  const to = uniquePhone();
  await env.DB.prepare(
    `insert into sms_messages (id, workspace_id, direction, from_enc, to_enc, phone_index, body_enc,
      status, created_at, updated_at) values (?, 'ws-recovery', 'outbound', ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      await phi.encrypt("development-outbox", smsRef(id, "from")),
      await phi.encrypt(to, smsRef(id, "to")),
      await phoneIndexOf(phi, to),
      await phi.encrypt("Reminder", smsRef(id, "body")),
      status,
      createdAt,
      updatedAt,
    )
    .run();
  return id;
}

describe("happy", () => {
  it("queues stuck SMS again and the queue delivers them", async () => {
    const lost = await storedSms("queued", minutesAgo(20), minutesAgo(20));
    const died = await storedSms("sending", minutesAgo(20), minutesAgo(15));
    expect(await requeueStuckSms(env)).toBeGreaterThanOrEqual(2);
    await eventually(
      () => rawSms(lost),
      (r) => r?.status === "outbox",
    );
    await eventually(
      () => rawSms(died),
      (r) => r?.status === "outbox",
    );
  });
});

describe("errors", () => {
  it("marks a day-old undelivered SMS failed (expired) instead of sending it late", async () => {
    const old = await storedSms("queued", minutesAgo(25 * 60), minutesAgo(25 * 60));
    await requeueStuckSms(env);
    expect(await rawSms(old)).toMatchObject({ status: "failed", error_code: "expired" });
  });
});

describe("security", () => {
  it("leaves a recent queued SMS to its own job (no second delivery path)", async () => {
    const recent = await storedSms("queued", minutesAgo(1), minutesAgo(1));
    await requeueStuckSms(env);
    expect((await rawSms(recent))?.status).toBe("queued");
  });
});
