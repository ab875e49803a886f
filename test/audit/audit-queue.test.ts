/**
 * Read audits through the JOBS queue (src/lib/audit-queue.ts): the real queue stores them, a
 * consumer killed mid-batch loses nothing, a redelivered batch adds nothing, and the stored
 * entries chain and verify like any other.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import { auditRow, sealAuditChain, verifyAuditChain } from "../../src/lib/audit";
import { AUDIT_STORE_CHUNK, type QueuedAuditEntry } from "../../src/lib/audit-queue";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { waitForAuditRows } from "../helpers/queued-audit";
import { testContext } from "../platform/context";

/** `count` entries of the clinic's admin, as a request would queue them. */
async function entriesOf(clinic: Clinic, count: number): Promise<QueuedAuditEntry[]> {
  const ctx = testContext();
  ctx.caller = {
    userId: clinic.admin.id,
    workspaceId: clinic.workspaceId,
    role: "admin",
    sessionId: clinic.admin.sessionId,
  };
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      auditRow(ctx, {
        action: "appointment.listed",
        resourceType: "appointment",
        metadata: { page: i + 1 },
      }),
    ),
  );
}

/** One queue batch of `perMessage` entries per message, delivered to the Worker's consumer. */
async function deliver(entries: QueuedAuditEntry[], perMessage: number, bindings: Bindings = env) {
  const bodies = [];
  for (let i = 0; i < entries.length; i += perMessage)
    bodies.push({ type: "audit_entries", entries: entries.slice(i, i + perMessage) });
  const batch = createMessageBatch(
    "rehab-edge-jobs",
    bodies.map((body, i) => ({ id: `audit-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings);
  return getQueueResult(batch, ctx);
}

/** Bindings whose D1 dies (throws) on the `killAt`-th batch call, like a consumer killed mid-batch. */
function dyingAt(killAt: number): Bindings {
  let calls = 0;
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (++calls >= killAt) throw new Error("consumer killed");
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { ...env, DB: db };
}

const storedIds = async (ids: string[]) => {
  const { results } = await env.DB.prepare(
    `select id from audit_log where id in (${ids.map(() => "?").join(",")})`,
  )
    .bind(...ids)
    .all<{ id: string }>();
  return results.map((r) => r.id);
};

describe("audit queue: happy", () => {
  it("a calendar read's entry arrives through the real queue, sealed, and the chain verifies", async () => {
    const clinic = await createClinic();
    const res = await api("GET", "/api/v1/appointments?start_date=2031-05-05&end_date=2031-05-11", {
      token: clinic.physio.token,
    });
    expectStatus(res, 200);
    const requestId = res.headers.get("x-request-id");
    await waitForAuditRows(requestId, 1);
    const row = await env.DB.prepare(
      "select action, outcome, actor_id, workspace_id from audit_log where request_id = ?",
    )
      .bind(requestId)
      .first();
    expect(row).toEqual({
      action: "appointment.listed",
      outcome: "success",
      actor_id: clinic.physio.id,
      workspace_id: clinic.workspaceId,
    });
    const verify = await api("GET", "/api/v1/audit/verify", { token: clinic.admin.token });
    expect(expectStatus(verify, 200).body.data).toMatchObject({ valid: true, first_invalid: null });
  });
});

describe("audit queue: errors", () => {
  it("a consumer killed mid-batch loses nothing; the redelivered batch stores each entry once", async () => {
    const clinic = await createClinic();
    const entries = await entriesOf(clinic, AUDIT_STORE_CHUNK * 2 + 5);
    const ids = entries.map((e) => e.id);

    // Killed on its second D1 batch: the first chunk is stored, nothing is acknowledged.
    const killed = await deliver(entries, 11, dyingAt(2));
    expect(killed.explicitAcks).toEqual([]);
    expect(killed.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(
      ["audit-0", "audit-1", "audit-2", "audit-3", "audit-4"].sort(),
    );
    expect(await storedIds(ids)).toHaveLength(AUDIT_STORE_CHUNK);

    // The queue delivers the same messages again: every entry is there, exactly once.
    const again = await deliver(entries, 11);
    expect(again.retryMessages).toEqual([]);
    expect(again.explicitAcks).toHaveLength(5);
    expect((await storedIds(ids)).sort()).toEqual([...ids].sort());

    // A retried batch (duplicate delivery) adds nothing.
    await deliver(entries, 11);
    const { n } = (await env.DB.prepare(
      "select count(*) as n from audit_log where workspace_id = ? and action = 'appointment.listed'",
    )
      .bind(clinic.workspaceId)
      .first<{ n: number }>())!;
    expect(n).toBe(entries.length);

    const db = drizzle(env.DB);
    await sealAuditChain(db, clinic.workspaceId);
    const report = await verifyAuditChain(db, env.AUDIT_HMAC_KEY, clinic.workspaceId);
    expect(report).toMatchObject({ valid: true, first_invalid: null });
  });

  it("acks and ignores malformed audit messages without storing anything", async () => {
    const clinic = await createClinic();
    const [entry] = await entriesOf(clinic, 1);
    const result = await deliver(
      [
        { ...entry!, entryMac: "not-a-mac" },
        { ...entry!, outcome: "maybe" as "success" },
      ],
      1,
    );
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(await storedIds([entry!.id])).toEqual([]);
  });
});

describe("audit queue: security", () => {
  it("an entry altered on its way through the queue is caught by verification", async () => {
    const clinic = await createClinic();
    const [entry] = await entriesOf(clinic, 1);
    await deliver([{ ...entry!, outcome: "denied" }], 1);
    const db = drizzle(env.DB);
    await sealAuditChain(db, clinic.workspaceId);
    const report = await verifyAuditChain(db, env.AUDIT_HMAC_KEY, clinic.workspaceId);
    expect(report).toMatchObject({
      valid: false,
      first_invalid: { id: entry!.id, reason: "mac_mismatch" },
    });
  });

  it("a list's queued entry names ids and counts only, never patient data", async () => {
    const clinic = await createClinic();
    const res = await api("GET", "/api/v1/patients?search=Stonebridge", {
      token: clinic.admin.token,
    });
    expectStatus(res, 200);
    await waitForAuditRows(res.headers.get("x-request-id"), 1);
    const row = await env.DB.prepare("select metadata from audit_log where request_id = ?")
      .bind(res.headers.get("x-request-id"))
      .first<{ metadata: string }>();
    expect(JSON.parse(row!.metadata)).toEqual({ page: 1, page_size: 20, search: true });
    expect(row!.metadata.toLowerCase()).not.toContain("stonebridge");
  });
});
