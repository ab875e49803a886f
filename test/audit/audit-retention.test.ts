/**
 * Audit retention (issue 19): successful reads past the read retention and everything past the
 * long retention are pruned below the signed checkpoint, the prune is itself audited, and
 * `/audit/verify` stays valid while still catching edits, reorders and any deletion that no
 * prune record accounts for. Old entries are written through `recordAudit` under a fake clock.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { RETENTION_CRON } from "../../src/jobs/cron";
import { recordAudit, type AuditInput } from "../../src/lib/audit";
import { checkpointStore, readCheckpoint } from "../../src/lib/audit-checkpoint";
import {
  commitPrune,
  planPrune,
  pruneWorkspace,
  retentionPolicy,
  runAuditRetention,
} from "../../src/lib/audit-retention";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { testContext } from "../platform/context";
import wranglerToml from "../../wrangler.toml?raw";

const DAY = 86_400_000;
const policy = retentionPolicy(env);

afterEach(() => vi.useRealTimers());

type Row = { id: string; seq: number; action: string; outcome: string; metadata: string | null };

const rowsOf = (clinic: Clinic) =>
  env.DB.prepare(
    "SELECT id, seq, action, outcome, metadata FROM audit_log WHERE workspace_id = ? ORDER BY seq",
  )
    .bind(clinic.workspaceId)
    .all<Row>()
    .then((r) => r.results);

const verify = async (clinic: Clinic) =>
  expectStatus(await api("GET", "/api/v1/audit/verify", { token: clinic.admin.token }), 200).body
    .data;

/** Audits `entries` as the clinic's physiotherapist would, `daysAgo` days ago; returns their ids. */
async function recordAt(clinic: Clinic, daysAgo: number, entries: AuditInput[]) {
  const ctx = testContext();
  ctx.caller = {
    userId: clinic.physio.id,
    workspaceId: clinic.workspaceId,
    role: "physiotherapist",
    sessionId: clinic.physio.sessionId,
  };
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() - daysAgo * DAY);
  const before = (await rowsOf(clinic)).length;
  try {
    for (const entry of entries) await recordAudit(ctx, entry);
  } finally {
    vi.useRealTimers();
  }
  return (await rowsOf(clinic)).slice(before).map((r) => r.id);
}

const patientRead = (clinic: Clinic, over: Partial<AuditInput> = {}): AuditInput => ({
  action: "patient.read",
  resourceType: "patient",
  resourceId: clinic.patient.id,
  ...over,
});

/** A trail with entries on both sides of both retentions. */
async function trail(clinic: Clinic) {
  const oldReads = await recordAt(clinic, 200, [
    patientRead(clinic),
    patientRead(clinic, { action: "patient.listed", metadata: { page: 1, search: true } }),
    patientRead(clinic, { action: "patient.family_read" }),
    patientRead(clinic, { action: "appointment.listed", resourceType: "appointment" }),
  ]);
  const oldKept = await recordAt(clinic, 200, [
    patientRead(clinic, { action: "patient.updated", metadata: { fields: ["phone"] } }),
    patientRead(clinic, { outcome: "denied" }),
    patientRead(clinic, { action: "clinical_note.exported", resourceType: "clinical_note" }),
  ]);
  const young = await recordAt(clinic, 30, [patientRead(clinic)]);
  const ancient = await recordAt(clinic, 7 * 366, [
    patientRead(clinic, { action: "patient.created" }),
  ]);
  const fiveYears = await recordAt(clinic, 5 * 365, [
    patientRead(clinic, { action: "patient.deleted" }),
  ]);
  await api("GET", `/api/v1/patients/${clinic.patient.id}`, { token: clinic.physio.token });
  return { oldReads, oldKept, young, ancient, fiveYears };
}

const pruneRecords = async (clinic: Clinic) =>
  (await rowsOf(clinic)).filter((r) => r.action === "audit.pruned" && r.outcome === "success");

describe("audit retention: happy", () => {
  it("prunes old reads and writes past 6 years below the checkpoint, audited; verify stays valid", async () => {
    const clinic = await createClinic();
    const { oldReads, oldKept, young, ancient, fiveYears } = await trail(clinic);
    expect((await verify(clinic)).valid).toBe(true);

    const outcome = await pruneWorkspace(env, clinic.workspaceId, policy);
    expect(outcome).toEqual({ status: "pruned", deleted_reads: 4, deleted_writes: 1, records: 1 });
    const ids = new Set((await rowsOf(clinic)).map((r) => r.id));
    for (const id of [...oldReads, ...ancient]) expect(ids.has(id), id).toBe(false);
    for (const id of [...oldKept, ...young, ...fiveYears]) expect(ids.has(id), id).toBe(true);

    // The prune is an audit entry of its own: counts, seqs, times and hashes, no patient data.
    const [record] = await pruneRecords(clinic);
    const listed = await api("GET", "/api/v1/audit?action=audit.pruned", {
      token: clinic.admin.token,
    });
    const entry = expectStatus(listed, 200).body.data[0];
    expect(entry).toMatchObject({
      id: record!.id,
      resource_type: "audit_log",
      actor_role: "system",
      outcome: "success",
      metadata: { deleted_reads: 4, deleted_writes: 1, read_retention_days: 90, complete: true },
    });
    expect(Object.keys(entry.metadata).sort()).toEqual(
      [
        "checkpoint_hash",
        "checkpoint_head_id",
        "checkpoint_seq",
        "complete",
        "deleted_reads",
        "deleted_writes",
        "first_deleted_seq",
        "last_deleted_seq",
        "newest_deleted_at",
        "oldest_deleted_at",
        "pruned_total",
        "read_cutoff",
        "read_retention_days",
        "retained",
        "retained_digest",
        "write_cutoff",
        "write_retention_days",
      ].sort(),
    );
    expect(record!.metadata).not.toContain(clinic.patient.id);
    expect(record!.metadata).not.toContain(clinic.patient.mrn);
    // The checkpoint in R2 is past the prune record.
    const checkpoint = (await readCheckpoint(checkpointStore(env), clinic.workspaceId)).checkpoint;
    expect(checkpoint!.seq).toBeGreaterThanOrEqual(record!.seq);
    expect(checkpoint!.pruned).toBe(5);

    const before = (await rowsOf(clinic)).length;
    expect(await verify(clinic)).toEqual({
      valid: true,
      entries_checked: before,
      first_invalid: null,
    });
  });

  it("a second run is idempotent: nothing deleted, no second record, still valid", async () => {
    const clinic = await createClinic();
    await trail(clinic);
    await pruneWorkspace(env, clinic.workspaceId, policy);
    const after = await rowsOf(clinic);
    expect(await pruneWorkspace(env, clinic.workspaceId, policy)).toEqual({ status: "nothing" });
    expect(await rowsOf(clinic)).toEqual(after);
    expect(await pruneRecords(clinic)).toHaveLength(1);
    expect((await verify(clinic)).valid).toBe(true);
  });

  it("prunes only below the checkpoint in force, keeps the checkpoint's own entry; later prunes chain on", async () => {
    const clinic = await createClinic();
    const [a1, a2] = await recordAt(clinic, 200, [patientRead(clinic), patientRead(clinic)]);
    expect((await verify(clinic)).valid).toBe(true);
    const checkpoint = (await readCheckpoint(checkpointStore(env), clinic.workspaceId)).checkpoint!;
    expect(checkpoint.head_id).toBe(a2);
    // Old reads written after the checkpoint (not sealed yet): out of reach of this prune.
    const [b1, b2] = await recordAt(clinic, 200, [patientRead(clinic), patientRead(clinic)]);

    const db = drizzle(env.DB);
    const plan = await planPrune(
      db,
      env.AUDIT_HMAC_KEY,
      clinic.workspaceId,
      checkpoint,
      policy,
      new Date(),
    );
    expect(plan!.record).toMatchObject({
      deleted_reads: 1,
      first_deleted_seq: plan!.deleteBelow - 1,
    });
    expect(await commitPrune(env.DB, env.AUDIT_HMAC_KEY, plan!)).toBe(true);
    const ids = (await rowsOf(clinic)).map((r) => r.id);
    expect(ids).not.toContain(a1);
    expect(ids).toEqual(expect.arrayContaining([a2, b1, b2]));
    expect((await verify(clinic)).valid).toBe(true);

    // The next prune reaches them (the checkpoint has moved past them), on top of the first.
    expect(await pruneWorkspace(env, clinic.workspaceId, policy)).toMatchObject({
      status: "pruned",
      deleted_reads: 3,
    });
    const records = await pruneRecords(clinic);
    expect(records).toHaveLength(2);
    expect(JSON.parse(records[1]!.metadata!)).toMatchObject({ pruned_total: 4 });
    expect((await verify(clinic)).valid).toBe(true);
  });

  it("a prune cut short by its batch size leaves the rest for the next, and both verify", async () => {
    const clinic = await createClinic();
    const { oldReads } = await trail(clinic);
    expect((await verify(clinic)).valid).toBe(true);
    const checkpoint = (await readCheckpoint(checkpointStore(env), clinic.workspaceId)).checkpoint!;
    const db = drizzle(env.DB);
    const plan = await planPrune(
      db,
      env.AUDIT_HMAC_KEY,
      clinic.workspaceId,
      checkpoint,
      policy,
      new Date(),
      2,
    );
    expect(plan!.record).toMatchObject({ deleted_reads: 2, deleted_writes: 0, complete: false });
    expect(await commitPrune(env.DB, env.AUDIT_HMAC_KEY, plan!)).toBe(true);
    const ids = (await rowsOf(clinic)).map((r) => r.id);
    expect(ids).not.toContain(oldReads[0]);
    expect(ids).toContain(oldReads[2]);
    expect((await verify(clinic)).valid).toBe(true);
    expect(await pruneWorkspace(env, clinic.workspaceId, policy)).toMatchObject({
      deleted_reads: 2,
      deleted_writes: 1,
    });
    expect((await verify(clinic)).valid).toBe(true);
  });

  it("retention comes from the environment: a shorter read retention reaches younger reads", async () => {
    const clinic = await createClinic();
    const { young, oldKept } = await trail(clinic);
    const short = retentionPolicy({ AUDIT_READ_RETENTION_DAYS: "10" });
    expect(short).toEqual({ readDays: 10, writeDays: 2192 });
    expect(await pruneWorkspace(env, clinic.workspaceId, short)).toMatchObject({
      deleted_reads: 5,
      deleted_writes: 1,
    });
    const ids = (await rowsOf(clinic)).map((r) => r.id);
    expect(ids).not.toContain(young[0]);
    expect(ids).toEqual(expect.arrayContaining(oldKept));
    expect((await verify(clinic)).valid).toBe(true);
  });

  it("the daily cron prunes; the 5-minute one does not; wrangler.toml schedules both", async () => {
    expect(wranglerToml).toContain(`crons = ["*/5 * * * *", "${RETENTION_CRON}"]`);
    const clinic = await createClinic();
    const { oldReads } = await trail(clinic);
    const run = async (cron: string) => {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ scheduledTime: new Date(), cron }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    };
    await run("*/5 * * * *");
    expect((await rowsOf(clinic)).map((r) => r.id)).toEqual(expect.arrayContaining(oldReads));
    await run(RETENTION_CRON);
    const ids = (await rowsOf(clinic)).map((r) => r.id);
    for (const id of oldReads) expect(ids).not.toContain(id);
    expect(await pruneRecords(clinic)).toHaveLength(1);
    expect((await verify(clinic)).valid).toBe(true);
  });
});

describe("audit retention: errors", () => {
  it("an unrecorded deletion below the pruned checkpoint is caught (prune_mismatch)", async () => {
    const clinic = await createClinic();
    const { oldKept } = await trail(clinic);
    await pruneWorkspace(env, clinic.workspaceId, policy);
    const [record] = await pruneRecords(clinic);
    // A write entry still inside its retention, removed behind the prune's back.
    await env.DB.prepare("DELETE FROM audit_log WHERE id = ?").bind(oldKept[0]).run();
    expect(await verify(clinic)).toMatchObject({
      valid: false,
      first_invalid: { id: record!.id, seq: record!.seq, reason: "prune_mismatch" },
    });
  });

  it("old reads deleted without a prune record leave a gap the chain catches", async () => {
    const clinic = await createClinic();
    const { oldReads } = await trail(clinic);
    expect((await verify(clinic)).valid).toBe(true);
    await env.DB.prepare(`DELETE FROM audit_log WHERE id IN (?, ?)`)
      .bind(oldReads[0], oldReads[1])
      .run();
    expect((await verify(clinic)).first_invalid).toMatchObject({ reason: "chain_broken" });
  });

  it("after a prune: a deleted read, an edited or reordered entry past the checkpoint is caught", async () => {
    const clinic = await createClinic();
    await trail(clinic);
    await pruneWorkspace(env, clinic.workspaceId, policy);
    for (let i = 0; i < 3; i++)
      await api("GET", `/api/v1/patients/${clinic.patient.id}`, { token: clinic.physio.token });
    expect((await verify(clinic)).valid).toBe(true);
    const [record] = await pruneRecords(clinic);
    const after = (await rowsOf(clinic)).filter((r) => r.seq > record!.seq);
    const [first, second, third] = after;

    // Edited.
    await env.DB.prepare("UPDATE audit_log SET outcome = 'denied' WHERE id = ?")
      .bind(second!.id)
      .run();
    expect((await verify(clinic)).first_invalid).toEqual({
      id: second!.id,
      seq: second!.seq,
      reason: "mac_mismatch",
    });
    await env.DB.prepare("UPDATE audit_log SET outcome = ? WHERE id = ?")
      .bind(second!.outcome, second!.id)
      .run();

    // Reordered (two entries swap places).
    const swap = async (a: Row, b: Row) => {
      await env.DB.batch([
        env.DB.prepare("UPDATE audit_log SET seq = -seq WHERE id = ?").bind(a.id),
        env.DB.prepare("UPDATE audit_log SET seq = ? WHERE id = ?").bind(a.seq, b.id),
        env.DB.prepare("UPDATE audit_log SET seq = ? WHERE id = ?").bind(b.seq, a.id),
      ]);
    };
    await swap(first!, second!);
    expect((await verify(clinic)).first_invalid).toMatchObject({ reason: "chain_broken" });
    await swap(second!, first!);

    // A read deleted past the checkpoint: no record covers it.
    await env.DB.prepare("DELETE FROM audit_log WHERE id = ?").bind(second!.id).run();
    expect((await verify(clinic)).first_invalid).toEqual({
      id: third!.id,
      seq: third!.seq,
      reason: "chain_broken",
    });
  });

  it("an edited or deleted prune record is caught", async () => {
    const clinic = await createClinic();
    const { oldKept } = await trail(clinic);
    await pruneWorkspace(env, clinic.workspaceId, policy);
    const [record] = await pruneRecords(clinic);
    // Hiding a deletion by lowering the kept count in the record: its MAC no longer matches.
    await env.DB.prepare("DELETE FROM audit_log WHERE id = ?").bind(oldKept[0]).run();
    const edited = { ...JSON.parse(record!.metadata!), retained: 0 };
    await env.DB.prepare("UPDATE audit_log SET metadata = ? WHERE id = ?")
      .bind(JSON.stringify(edited), record!.id)
      .run();
    expect((await verify(clinic)).first_invalid).toMatchObject({
      id: record!.id,
      reason: "mac_mismatch",
    });
    await env.DB.prepare("DELETE FROM audit_log WHERE id = ?").bind(record!.id).run();
    expect((await verify(clinic)).valid).toBe(false);
  });

  it("a broken trail is not pruned: the refusal is audited and the old entries stay", async () => {
    const clinic = await createClinic();
    const { oldReads, oldKept } = await trail(clinic);
    await env.DB.prepare("UPDATE audit_log SET outcome = 'success' WHERE id = ?")
      .bind(oldKept[1])
      .run();
    expect(await pruneWorkspace(env, clinic.workspaceId, policy)).toEqual({
      status: "refused",
      reason: "mac_mismatch",
    });
    const rows = await rowsOf(clinic);
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining(oldReads));
    const refusal = rows.filter((r) => r.action === "audit.pruned");
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatchObject({ outcome: "failure" });
    expect(JSON.parse(refusal[0]!.metadata!)).toEqual({
      reason: "mac_mismatch",
      first_invalid_seq: expect.any(Number),
    });
  });

  it("a plan the trail no longer matches commits nothing; two runs of one plan delete once", async () => {
    const clinic = await createClinic();
    await trail(clinic);
    const db = drizzle(env.DB);
    const store = checkpointStore(env);
    expect((await verify(clinic)).valid).toBe(true);
    const checkpoint = (await readCheckpoint(store, clinic.workspaceId)).checkpoint!;
    const plan = () =>
      planPrune(db, env.AUDIT_HMAC_KEY, clinic.workspaceId, checkpoint, policy, new Date());
    const [first, second] = [await plan(), await plan()];
    expect(await commitPrune(env.DB, env.AUDIT_HMAC_KEY, first!)).toBe(true);
    const rows = await rowsOf(clinic);
    expect(await commitPrune(env.DB, env.AUDIT_HMAC_KEY, second!)).toBe(false);
    expect(await rowsOf(clinic)).toEqual(rows);
    expect(await pruneRecords(clinic)).toHaveLength(1);

    // Another clinic: an entry of the plan vanishes before the commit; the batch rolls back.
    const other = await createClinic();
    const otherTrail = await trail(other);
    expect((await verify(other)).valid).toBe(true);
    const otherCheckpoint = (await readCheckpoint(store, other.workspaceId)).checkpoint!;
    const stale = await planPrune(
      db,
      env.AUDIT_HMAC_KEY,
      other.workspaceId,
      otherCheckpoint,
      policy,
      new Date(),
    );
    await env.DB.prepare("DELETE FROM audit_log WHERE id = ?").bind(otherTrail.oldReads[0]).run();
    const before = await rowsOf(other);
    expect(await commitPrune(env.DB, env.AUDIT_HMAC_KEY, stale!)).toBe(false);
    expect(await rowsOf(other)).toEqual(before);
    expect((await verify(other)).first_invalid).toMatchObject({ reason: "chain_broken" });
  });

  it("a malformed retention setting prunes nothing", async () => {
    expect(() => retentionPolicy({ AUDIT_READ_RETENTION_DAYS: "0" })).toThrow(
      /AUDIT_READ_RETENTION_DAYS/,
    );
    expect(() => retentionPolicy({ AUDIT_READ_RETENTION_DAYS: "90d" })).toThrow(
      /AUDIT_READ_RETENTION_DAYS/,
    );
    expect(() =>
      retentionPolicy({ AUDIT_READ_RETENTION_DAYS: "90", AUDIT_WRITE_RETENTION_DAYS: "30" }),
    ).toThrow(/AUDIT_WRITE_RETENTION_DAYS/);
    const clinic = await createClinic();
    const { oldReads } = await trail(clinic);
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const summary = await runAuditRetention({ ...env, AUDIT_READ_RETENTION_DAYS: "-1" });
    spy.mockRestore();
    expect(summary).toMatchObject({ misconfigured: true, deleted: 0 });
    expect((await rowsOf(clinic)).map((r) => r.id)).toEqual(expect.arrayContaining(oldReads));
  });
});

describe("audit retention: security", () => {
  it("a prune touches only its own workspace", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    await trail(clinic);
    await trail(other);
    const otherRows = await rowsOf(other);
    expect(await pruneWorkspace(env, clinic.workspaceId, policy)).toMatchObject({
      status: "pruned",
    });
    expect(await rowsOf(other)).toEqual(otherRows);
    expect((await verify(other)).valid).toBe(true);
  });

  it("read retention covers successful reads only: denied and not-found reads stay", async () => {
    const clinic = await createClinic();
    const kept = await recordAt(clinic, 200, [
      patientRead(clinic, { outcome: "denied" }),
      patientRead(clinic, { outcome: "not_found" }),
      patientRead(clinic, { action: "audit.verified", resourceType: "audit" }),
      patientRead(clinic, { action: "pose.streamed", resourceType: "pose" }),
    ]);
    await recordAt(clinic, 200, [patientRead(clinic)]);
    await api("GET", "/api/v1/users/me", { token: clinic.admin.token });
    expect(await pruneWorkspace(env, clinic.workspaceId, policy)).toMatchObject({
      deleted_reads: 1,
      deleted_writes: 0,
    });
    expect((await rowsOf(clinic)).map((r) => r.id)).toEqual(expect.arrayContaining(kept));
  });
});
