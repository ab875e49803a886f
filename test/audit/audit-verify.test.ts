import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

const verify = async (clinic: Clinic) =>
  expectStatus(await api("GET", "/api/v1/audit/verify", { token: clinic.admin.token }), 200).body
    .data;

const entryOf = (requestId: string | null) =>
  env.DB.prepare("SELECT id, seq, chain_hash FROM audit_log WHERE request_id = ?")
    .bind(requestId)
    .first<{ id: string; seq: number; chain_hash: string | null }>();

const workspaceRows = (clinic: Clinic) =>
  env.DB.prepare("SELECT id, seq, chain_hash FROM audit_log WHERE workspace_id = ? ORDER BY seq")
    .bind(clinic.workspaceId)
    .all<{ id: string; seq: number; chain_hash: string | null }>()
    .then((r) => r.results);

async function activity(clinic: Clinic) {
  await api("GET", "/api/v1/users/me", { token: clinic.nurse.token });
  await api("PUT", "/api/v1/users/me/preferences", {
    token: clinic.nurse.token,
    body: { dark_mode: true },
  });
  const denied = await api("GET", "/api/v1/users", { token: clinic.physio.token });
  expect(denied.status).toBe(403);
  await api("GET", "/api/v1/users/me", { token: clinic.admin.token });
  return entryOf(denied.headers.get("x-request-id"));
}

describe("audit verify: happy", () => {
  it("seals pending entries and reports an intact chain", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    expect((await workspaceRows(clinic)).every((r) => r.chain_hash === null)).toBe(true);
    const report = await verify(clinic);
    expect(report).toEqual({ valid: true, entries_checked: 4, first_invalid: null });
    expect((await workspaceRows(clinic)).filter((r) => r.chain_hash === null)).toHaveLength(1);

    // The check itself is audited, then sealed and checked by the next run.
    const [, , , , verified] = await workspaceRows(clinic);
    const entry = await api("GET", `/api/v1/audit/${verified!.id}`, { token: clinic.admin.token });
    expect(entry.body.data).toMatchObject({
      event_type: "audit.verified",
      outcome: "success",
      metadata: { valid: true, entries_checked: 4, first_invalid_id: null },
    });
    expect(await verify(clinic)).toMatchObject({ valid: true, entries_checked: 6 });
  });
});

describe("audit verify: errors", () => {
  it("catches an edited row, naming it", async () => {
    const clinic = await createClinic();
    const denied = await activity(clinic);
    expect((await verify(clinic)).valid).toBe(true);

    await env.DB.prepare("UPDATE audit_log SET outcome='success' WHERE id=?")
      .bind(denied!.id)
      .run();
    const report = await verify(clinic);
    expect(report).toMatchObject({
      valid: false,
      first_invalid: { id: denied!.id, seq: denied!.seq, reason: "mac_mismatch" },
    });
    const last = (await workspaceRows(clinic)).at(-1)!;
    const entry = await api("GET", `/api/v1/audit/${last.id}`, { token: clinic.admin.token });
    expect(entry.body.data).toMatchObject({
      event_type: "audit.verified",
      outcome: "failure",
      metadata: { valid: false, first_invalid_id: denied!.id },
    });
  });

  it("catches a deleted sealed row: the chain breaks at its successor", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    expect((await verify(clinic)).valid).toBe(true);
    const rows = await workspaceRows(clinic);
    const [, removed, successor] = rows;
    expect(removed!.chain_hash).not.toBeNull();

    await env.DB.prepare("DELETE FROM audit_log WHERE id=?").bind(removed!.id).run();
    const report = await verify(clinic);
    expect(report).toEqual({
      valid: false,
      entries_checked: 1,
      first_invalid: { id: successor!.id, seq: successor!.seq, reason: "chain_broken" },
    });
  });

  it("catches a forged chain hash", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    await verify(clinic);
    const [first] = await workspaceRows(clinic);
    await env.DB.prepare("UPDATE audit_log SET chain_hash = ? WHERE id = ?")
      .bind("0".repeat(64), first!.id)
      .run();
    expect((await verify(clinic)).first_invalid).toMatchObject({
      id: first!.id,
      reason: "chain_broken",
    });
  });
});

describe("audit verify: security", () => {
  it("checks only the caller's workspace: tampering elsewhere does not show", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    const [, otherDenied] = await Promise.all([activity(clinic), activity(other)]);
    await env.DB.prepare("UPDATE audit_log SET outcome='success' WHERE id=?")
      .bind(otherDenied!.id)
      .run();
    expect(await verify(clinic)).toMatchObject({ valid: true, entries_checked: 4 });
    expect((await verify(other)).valid).toBe(false);
  });

  it("non-admins cannot run the check (403)", async () => {
    const clinic = await createClinic();
    const res = await api("GET", "/api/v1/audit/verify", { token: clinic.doctor.token });
    expect(res.status).toBe(403);
  });
});
