/**
 * The JOBS queue round trip: a message stored by prepareOutbound, its job, and the consumer.
 * Provider calls are intercepted with a spy on the global fetch (the Worker runs in the test's
 * isolate, so the spy sees its outbound requests); nothing leaves the machine.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import { recordAudit } from "../../src/lib/audit";
import { uuidv7 } from "../../src/lib/ids";
import { MAX_DELIVERY_ATTEMPTS } from "../../src/messaging/delivery";
import { prepareOutbound, type Outbound } from "../../src/messaging/outbound";
import { eventually, testContext } from "./context";

type Row = { status: string; provider: string | null; attempts: number; last_error: string | null };

const rowOf = (id: string) =>
  env.DB.prepare(
    "select status, provider, attempts, last_error from outbound_messages where id = ?",
  )
    .bind(id)
    .first<Row>();

async function storedMessage(message: Partial<Outbound> = {}) {
  const ctx = testContext();
  const prepared = await prepareOutbound(ctx, {
    channel: "email",
    template: "test",
    recipient: "someone@example.test",
    subject: "Hello",
    body: "Your appointment is confirmed.",
    workspaceId: null,
    ...message,
  });
  await ctx.db.write([prepared.insert]);
  return prepared;
}

async function consume(bodies: unknown[], bindings: Bindings = env) {
  const batch = createMessageBatch(
    "rehab-edge-jobs",
    bodies.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings);
  return getQueueResult(batch, ctx);
}

const withEmail = (): Bindings => ({
  ...env,
  EMAIL_API_URL: "https://mail.provider.test/v1/send",
  EMAIL_API_KEY: "test-email-key",
  EMAIL_FROM: "clinic@rehab-edge.test",
});

function interceptFetch(status = 202) {
  const seen: { url: string; method: string; headers: Headers; body: string }[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    seen.push({
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: new TextDecoder().decode(await request.arrayBuffer()),
    });
    return new Response("{}", { status });
  });
  return { seen, spy };
}

afterEach(() => vi.restoreAllMocks());

describe("happy", () => {
  it("without a provider, delivery holds the message in the outbox and acks it", async () => {
    const { id } = await storedMessage();
    expect((await rowOf(id))?.status).toBe("queued");
    const result = await consume([{ type: "deliver_message", message_id: id }]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect(result.retryMessages).toEqual([]);
    expect(await rowOf(id)).toMatchObject({
      status: "outbox",
      provider: "development-outbox",
      attempts: 1,
    });
  });

  it("with EMAIL_API_URL, posts to the provider and marks the message sent", async () => {
    const { id } = await storedMessage();
    const { seen } = interceptFetch();
    const result = await consume([{ type: "deliver_message", message_id: id }], withEmail());
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe("https://mail.provider.test/v1/send");
    expect(seen[0]!.method).toBe("POST");
    expect(seen[0]!.headers.get("authorization")).toBe("Bearer test-email-key");
    expect(JSON.parse(seen[0]!.body)).toEqual({
      from: "clinic@rehab-edge.test",
      to: "someone@example.test",
      subject: "Hello",
      text: "Your appointment is confirmed.",
    });
    expect(await rowOf(id)).toMatchObject({ status: "sent", provider: "mail.provider.test" });
  });

  it("with Twilio credentials, sends an SMS through Twilio's REST API", async () => {
    const { id } = await storedMessage({
      channel: "sms",
      recipient: "+15550002222",
      subject: undefined,
    });
    const { seen } = interceptFetch(201);
    await consume([{ type: "deliver_message", message_id: id }], {
      ...env,
      TWILIO_ACCOUNT_SID: "AC123",
      TWILIO_AUTH_TOKEN: "secret",
      TWILIO_FROM_NUMBER: "+15550009999",
    });
    expect(seen[0]!.url).toBe("https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json");
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({
      To: "+15550002222",
      From: "+15550009999",
      Body: "Your appointment is confirmed.",
    });
    expect(await rowOf(id)).toMatchObject({ status: "sent", provider: "twilio" });
  });

  it("a delivered message is not sent twice when its job is redelivered", async () => {
    const { id } = await storedMessage();
    const { seen } = interceptFetch();
    const job = { type: "deliver_message", message_id: id };
    await consume([job], withEmail());
    await consume([job], withEmail());
    expect(seen).toHaveLength(1);
    expect((await rowOf(id))?.attempts).toBe(1);
  });

  it("the real queue delivers: dispatch() -> JOBS -> consumer -> outbox (bounded wait)", async () => {
    const prepared = await storedMessage();
    await prepared.dispatch();
    const row = await eventually(
      async () => {
        const r = await rowOf(prepared.id);
        return r?.status === "queued" ? undefined : r;
      },
      8000,
      "queue delivery",
    );
    expect(row).toMatchObject({ status: "outbox", attempts: 1 });
  });
});

describe("errors", () => {
  it("acks and ignores invalid job messages", async () => {
    const result = await consume([
      { type: "nope" },
      "a string",
      null,
      { type: "deliver_message" },
      { type: "deliver_message", message_id: 42 },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["msg-0", "msg-1", "msg-2", "msg-3", "msg-4"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("a job for a message that does not exist is acked", async () => {
    const result = await consume([{ type: "deliver_message", message_id: "no-such-id" }]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
  });

  it("a provider failure retries the job and keeps the message queued", async () => {
    const { id } = await storedMessage();
    interceptFetch(503);
    const failed = await consume([{ type: "deliver_message", message_id: id }], withEmail());
    expect(failed.explicitAcks).toEqual([]);
    // (getQueueResult reports which messages were retried, not their delay.)
    expect(failed.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["msg-0"]);
    expect(await rowOf(id)).toMatchObject({ status: "queued", attempts: 1 });
    expect((await rowOf(id))?.last_error).toContain("503");

    vi.restoreAllMocks();
    interceptFetch(202);
    const retried = await consume([{ type: "deliver_message", message_id: id }], withEmail());
    expect(retried.explicitAcks).toEqual(["msg-0"]);
    expect(await rowOf(id)).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("after the last attempt the message is marked failed and the job acked", async () => {
    const { id } = await storedMessage();
    await env.DB.prepare("update outbound_messages set attempts = ? where id = ?")
      .bind(MAX_DELIVERY_ATTEMPTS - 1, id)
      .run();
    interceptFetch(500);
    const result = await consume([{ type: "deliver_message", message_id: id }], withEmail());
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect(await rowOf(id)).toMatchObject({ status: "failed", attempts: MAX_DELIVERY_ATTEMPTS });
  });
});

describe("seal_audit job", () => {
  it("seals a workspace's audit chain", async () => {
    const ctx = testContext();
    const workspaceId = uuidv7();
    await recordAudit(ctx, { action: "auth.login", resourceType: "user", workspaceId });
    const result = await consume([{ type: "seal_audit", workspace_id: workspaceId }]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    const unsealed = await env.DB.prepare(
      "select count(*) as n from audit_log where workspace_id = ? and chain_hash is null",
    )
      .bind(workspaceId)
      .first<{ n: number }>();
    expect(unsealed?.n).toBe(0);
  });
});

describe("security", () => {
  it("stores recipient, subject and body encrypted", async () => {
    const { id } = await storedMessage({ recipient: "private.person@example.test" });
    const raw = await env.DB.prepare("select * from outbound_messages where id = ?")
      .bind(id)
      .first();
    const text = JSON.stringify(raw);
    for (const plain of ["private.person@example.test", "Hello", "appointment is confirmed"])
      expect(text).not.toContain(plain);
  });

  it("a provider error message never carries the provider's response body", async () => {
    const { id } = await storedMessage();
    vi.spyOn(globalThis, "fetch").mockResolvedValue(
      new Response("secret-ish detail", { status: 500 }),
    );
    await consume([{ type: "deliver_message", message_id: id }], withEmail());
    expect((await rowOf(id))?.last_error).not.toContain("secret-ish");
  });
});
