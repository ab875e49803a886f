/**
 * Audit checkpoints (issue 12): the sealer signs the chain's head into R2, and verify reports a
 * trail that lost its tail, was rewound or replaced as `truncated` at the checkpoint's seq.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runCron } from "../../src/jobs/cron";
import { checkpointStore, readCheckpoint } from "../../src/lib/audit-checkpoint";
import { hmac } from "../../src/lib/crypto/keys";
import { toHex } from "../../src/lib/encoding";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

const verify = async (clinic: Clinic) =>
  expectStatus(await api("GET", "/api/v1/audit/verify", { token: clinic.admin.token }), 200).body
    .data;

const checkpointOf = async (clinic: Clinic) =>
  (await readCheckpoint(checkpointStore(env), clinic.workspaceId)).checkpoint;

const rowsOf = (clinic: Clinic) =>
  env.DB.prepare("SELECT id, seq FROM audit_log WHERE workspace_id = ? ORDER BY seq")
    .bind(clinic.workspaceId)
    .all<{ id: string; seq: number }>()
    .then((r) => r.results);

/** Reads whose audit entry is written before the answer (list reads go through the queue). */
async function activity(clinic: Clinic, times = 3) {
  for (let i = 0; i < times; i++) {
    await api("GET", `/api/v1/patients/${clinic.patient.id}`, { token: clinic.physio.token });
  }
}

describe("audit checkpoints: happy", () => {
  it("verify anchors the sealed head in R2, signed, and moves it forward", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    expect(await checkpointOf(clinic)).toBeNull();
    expect((await verify(clinic)).valid).toBe(true);
    const first = await checkpointOf(clinic);
    const rows = await rowsOf(clinic);
    expect(first).toMatchObject({ workspace_id: clinic.workspaceId, entries: 3 });
    expect(first!.seq).toBe(rows[2]!.seq);
    expect(first!.head_id).toBe(rows[2]!.id);
    await activity(clinic);
    expect((await verify(clinic)).valid).toBe(true);
    expect((await checkpointOf(clinic))!.seq).toBeGreaterThan(first!.seq);
  });

  it("the cron sealer writes checkpoints too", async () => {
    const clinic = await createClinic();
    await activity(clinic, 2);
    await runCron(env);
    const checkpoint = await checkpointOf(clinic);
    expect(checkpoint).toMatchObject({ entries: 2, seq: (await rowsOf(clinic))[1]!.seq });
  });

  it("a checkpoint written before retention existed (v1, no prune total) still verifies", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    expect((await verify(clinic)).valid).toBe(true);
    const { mac: _mac, pruned: _pruned, ...current } = (await checkpointOf(clinic))!;
    // The v1 layout, as deployed before issue 19.
    const v1 = { ...current, v: 1 as const };
    const signed = JSON.stringify([
      "rehab-edge-audit-checkpoint",
      v1.v,
      v1.workspace_id,
      v1.seq,
      v1.head_id,
      v1.head_hash,
      v1.entries,
      v1.created_at,
    ]);
    const mac = toHex(await hmac(env.AUDIT_HMAC_KEY, signed));
    await env.MEDIA.put(
      `audit-checkpoints/${clinic.workspaceId}.json`,
      JSON.stringify({ ...v1, mac }),
    );
    expect(await checkpointOf(clinic)).toMatchObject({ v: 1, seq: current.seq });
    expect((await verify(clinic)).valid).toBe(true);
    expect(await checkpointOf(clinic)).toMatchObject({ v: 2, pruned: 0 });
  });
});

describe("audit checkpoints: errors", () => {
  it("deleting the newest rows in D1 is reported as truncated, at the checkpoint's seq", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    expect((await verify(clinic)).valid).toBe(true);
    const checkpoint = (await checkpointOf(clinic))!;
    // The tail from the second entry on, the checkpoint's head and the verify's own entry included.
    const rows = await rowsOf(clinic);
    await env.DB.prepare("DELETE FROM audit_log WHERE workspace_id = ? AND seq >= ?")
      .bind(clinic.workspaceId, rows[1]!.seq)
      .run();
    const report = await verify(clinic);
    expect(report).toMatchObject({
      valid: false,
      first_invalid: { id: checkpoint.head_id, seq: checkpoint.seq, reason: "truncated" },
    });
    // Neither new activity, the cron sealer nor another verify paper over it.
    await activity(clinic);
    await runCron(env);
    expect((await checkpointOf(clinic))!.seq).toBe(checkpoint.seq);
    expect((await verify(clinic)).first_invalid).toMatchObject({ reason: "truncated" });
  });

  it("a replaced (emptied) trail is truncated too", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    expect((await verify(clinic)).valid).toBe(true);
    await env.DB.prepare("DELETE FROM audit_log WHERE workspace_id = ?")
      .bind(clinic.workspaceId)
      .run();
    expect((await verify(clinic)).first_invalid).toMatchObject({ reason: "truncated" });
  });

  it("a forged checkpoint does not verify", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    expect((await verify(clinic)).valid).toBe(true);
    const checkpoint = (await checkpointOf(clinic))!;
    // Rewinding the anchor to let a truncation through: the MAC no longer matches.
    await env.MEDIA.put(
      `audit-checkpoints/${clinic.workspaceId}.json`,
      JSON.stringify({ ...checkpoint, seq: checkpoint.seq - 1, entries: checkpoint.entries - 1 }),
    );
    expect((await verify(clinic)).first_invalid).toMatchObject({ reason: "checkpoint_invalid" });
  });
});

describe("audit checkpoints: security", () => {
  it("the checkpoint names the workspace only: no patient data in the object", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    await verify(clinic);
    const object = await env.MEDIA.get(`audit-checkpoints/${clinic.workspaceId}.json`);
    const text = await object!.text();
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(
      [
        "created_at",
        "entries",
        "head_hash",
        "head_id",
        "mac",
        "pruned",
        "seq",
        "v",
        "workspace_id",
      ].sort(),
    );
    expect(text).not.toContain(clinic.patient.mrn);
  });
});
