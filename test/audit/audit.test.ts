import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

type Entry = { id: string; event_type: string; action: string; [k: string]: unknown };

/** A few audited calls: reads, an update, a denial. */
async function activity(clinic: Clinic) {
  await api("GET", "/api/v1/users/me", { token: clinic.physio.token });
  await api("PUT", "/api/v1/users/me", { token: clinic.physio.token, body: { title: "DPT" } });
  await api("PUT", `/api/v1/users/${clinic.nurse.id}`, {
    token: clinic.admin.token,
    body: { title: "RN" },
  });
  const denied = await api("GET", "/api/v1/users", { token: clinic.doctor.token });
  expect(denied.status).toBe(403);
}

const list = async (clinic: Clinic, query = "") => {
  const res = await api("GET", `/api/v1/audit${query}`, { token: clinic.admin.token });
  return expectStatus(res, 200).body as { data: Entry[]; pagination: { total_items: number } };
};

describe("audit: happy", () => {
  it("lists the workspace's entries newest first in the documented shape", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    const page = await list(clinic);
    const actions = page.data.map((e) => e.event_type);
    expect(actions.slice(0, 4)).toEqual([
      "user.listed",
      "user.updated",
      "user.updated",
      "user.read",
    ]);
    const [denied] = page.data;
    expect(denied).toEqual({
      id: expect.any(String),
      workspace_id: clinic.workspaceId,
      event_type: "user.listed",
      action: "listed",
      resource_type: "user",
      resource_id: null,
      user_id: clinic.doctor.id,
      actor_role: "doctor",
      outcome: "denied",
      ip_address: null,
      user_agent: null,
      request_id: expect.any(String),
      metadata: { permission: "users.manage" },
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      sealed: false,
    });
    // The listing is audited (after its own page).
    const again = await list(clinic, "?page_size=1");
    expect(again.data[0]).toMatchObject({ event_type: "audit.listed", user_id: clinic.admin.id });
    expect(again.pagination.total_items).toBe(page.pagination.total_items + 1);
  });

  it("filters by resource, event type, action, actor, outcome and dates", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    const events = (p: { data: Entry[] }) => p.data.map((e) => e.event_type);

    const nurse = await list(clinic, `?resource_type=user&resource_id=${clinic.nurse.id}`);
    expect(events(nurse)).toEqual(["user.updated"]);
    const updated = await list(clinic, "?event_type=updated");
    expect(events(updated)).toEqual(["user.updated", "user.updated"]);
    expect(events(await list(clinic, "?event_type=user.updated"))).toHaveLength(2);
    expect(events(await list(clinic, "?action=user.read"))).toEqual(["user.read"]);
    const physio = await list(clinic, `?user_id=${clinic.physio.id}`);
    expect(events(physio)).toEqual(["user.updated", "user.read"]);
    const denied = await list(clinic, "?outcome=denied");
    expect(denied.data.map((e) => e.user_id)).toEqual([clinic.doctor.id]);
    expect((await list(clinic, "?resource_type=USER&event_type=read")).data).toHaveLength(1);

    const today = new Date().toISOString().slice(0, 10);
    const todays = await list(clinic, `?start_date=${today}&end_date=${today}&event_type=updated`);
    expect(todays.data).toHaveLength(2);
    expect((await list(clinic, "?start_date=2999-01-01")).data).toEqual([]);
    expect((await list(clinic, "?end_date=2000-01-01T00:00:00Z")).data).toEqual([]);
  });

  it("reads one entry by id", async () => {
    const clinic = await createClinic();
    await activity(clinic);
    const [first] = (await list(clinic, "?action=user.read")).data;
    const res = await api("GET", `/api/v1/audit/${first!.id}`, { token: clinic.admin.token });
    expect(expectStatus(res, 200).body.data).toEqual(first);
    const own = await env.DB.prepare(
      "SELECT action, resource_id FROM audit_log WHERE request_id = ?",
    )
      .bind(res.headers.get("x-request-id"))
      .first();
    expect(own).toEqual({ action: "audit.read", resource_id: first!.id });
  });
});

describe("audit: errors", () => {
  it("rejects malformed filters and ids (422) and unknown ids (404)", async () => {
    const clinic = await createClinic();
    const token = clinic.admin.token;
    for (const query of [
      "outcome=maybe",
      "user_id=nobody",
      "event_type=exploded",
      "action=DROP TABLE",
      "start_date=yesterday",
      "start_date=2025-02-01&end_date=2025-01-01",
      "page_size=500",
    ]) {
      const res = await api("GET", `/api/v1/audit?${query}`, { token });
      expect(res.status, `${query}: ${res.text}`).toBe(422);
    }
    expect((await api("GET", "/api/v1/audit/not-a-uuid", { token })).status).toBe(422);
    const unknown = await api("GET", "/api/v1/audit/01900000-0000-7000-8000-000000000000", {
      token,
    });
    expect(unknown.status).toBe(404);
  });
});

describe("audit: security", () => {
  it("never shows another workspace's entries, by list or by id", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    await Promise.all([activity(clinic), activity(other)]);
    const mine = await list(clinic);
    expect(mine.data.every((e) => e.workspace_id === clinic.workspaceId)).toBe(true);
    const theirs = await list(other, `?user_id=${clinic.physio.id}`);
    expect(theirs.data).toEqual([]);
    const res = await api("GET", `/api/v1/audit/${mine.data[0]!.id}`, { token: other.admin.token });
    expect(res.status, res.text).toBe(404);
    const trail = await env.DB.prepare(
      "SELECT outcome, workspace_id FROM audit_log WHERE request_id = ?",
    )
      .bind(res.headers.get("x-request-id"))
      .first();
    expect(trail).toEqual({ outcome: "not_found", workspace_id: other.workspaceId });
  });

  it("non-admins are refused (403) and the refusal is audited", async () => {
    const clinic = await createClinic();
    for (const user of [clinic.physio, clinic.patientUser]) {
      const res = await api("GET", "/api/v1/audit", { token: user.token });
      expect(res.status).toBe(403);
      const row = await env.DB.prepare("SELECT action, outcome FROM audit_log WHERE request_id = ?")
        .bind(res.headers.get("x-request-id"))
        .first();
      expect(row).toEqual({ action: "audit.listed", outcome: "denied" });
    }
  });
});
