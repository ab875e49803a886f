import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import {
  ASSIGNMENTS,
  assignmentBody,
  assignViaApi,
  auditRows,
  clinicWithCatalog,
  INSTRUCTIONS,
  rawAssignments,
} from "./helpers";

const BASE = ASSIGNMENTS;
const setup = clinicWithCatalog;
const squatBody = assignmentBody;
const assign = assignViaApi;
const rawRows = rawAssignments;

describe("exercise assignments: happy", () => {
  it("assigns, reads, updates and lists an exercise, audited", async () => {
    const { clinic, catalog } = await setup();
    const created = await assign(clinic, catalog.squat!.id!);
    expect(created).toMatchObject({
      patient_id: clinic.patient.id,
      assigned_by: clinic.physio.id,
      exercise_type: { slug: "squat", name: "Squat" },
      sets: 3,
      repetitions: 12,
      frequency: "3 times per week",
      times_per_week: 3,
      due_date: "2026-02-06",
      instructions: INSTRUCTIONS,
      status: "Pending",
      completed_at: null,
    });
    for (const user of [clinic.physio, clinic.patientUser, clinic.admin]) {
      const got = expectStatus(
        await api("GET", `${BASE}/${created.id}`, { token: user.token }),
        200,
      );
      expect(got.body.data).toEqual(created);
    }
    const updated = expectStatus(
      await api("PUT", `${BASE}/${created.id}`, {
        token: clinic.physio.token,
        body: { sets: 4, instructions: "Progress to full depth", frequency: { times_per_week: 5 } },
      }),
      200,
    );
    expect(updated.body.data).toMatchObject({
      sets: 4,
      repetitions: 12,
      instructions: "Progress to full depth",
      times_per_week: 5,
    });
    const again = expectStatus(
      await api("GET", `${BASE}/${created.id}`, { token: clinic.physio.token }),
      200,
    );
    expect(again.body.data).toEqual(updated.body.data);

    const [createdAudit] = await auditRows(clinic.workspaceId, "exercise_assignment.created");
    expect(createdAudit).toMatchObject({
      resourceId: created.id,
      actorId: clinic.physio.id,
      outcome: "success",
    });
    expect(createdAudit!.metadata).toEqual({
      patient_id: clinic.patient.id,
      exercise_type_id: catalog.squat!.id,
    });
    const reads = await auditRows(clinic.workspaceId, "exercise_assignment.read");
    expect(reads.filter((r) => r.outcome === "success")).toHaveLength(4);
    const [updatedAudit] = await auditRows(clinic.workspaceId, "exercise_assignment.updated");
    expect(updatedAudit!.metadata).toEqual({
      patient_id: clinic.patient.id,
      fields: ["frequency", "instructions", "sets"],
    });
    const allAudit = JSON.stringify(
      await env.DB.prepare("select * from audit_log where workspace_id = ?")
        .bind(clinic.workspaceId)
        .all(),
    );
    expect(allAudit).not.toContain("meniscus");
  });

  it("stores instructions and frequency only encrypted", async () => {
    const { clinic, catalog } = await setup();
    const created = await assign(clinic, catalog.squat!.id!);
    const [row] = await rawRows("id", created.id);
    const raw = JSON.stringify(row);
    expect(raw).not.toContain("meniscus");
    expect(raw).not.toContain("times per week");
    expect(String(row!.instructions_enc)).toMatch(/^v1\./);
  });

  it("doses a hold exercise in seconds", async () => {
    const { clinic, catalog } = await setup();
    const created = await assign(clinic, catalog.wall_sit!.id!, {
      repetitions: undefined,
      hold_seconds: 30,
      frequency: "daily",
    });
    expect(created).toMatchObject({ hold_seconds: 30, repetitions: null, times_per_week: 7 });
  });

  it("returns the first result for a retried create (header or client_id), with one row", async () => {
    const { clinic, catalog } = await setup();
    const key = `retry-${crypto.randomUUID()}`;
    const send = () =>
      api("POST", BASE, {
        token: clinic.physio.token,
        headers: { "Idempotency-Key": key },
        body: squatBody(clinic, catalog.squat!.id!),
      });
    const first = expectStatus(await send(), 201);
    const second = expectStatus(await send(), 201);
    expect(second.body.data).toEqual(first.body.data);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await rawRows("idempotency_key", key)).toHaveLength(1);

    const clientId = `client-${crypto.randomUUID()}`;
    const viaBody = () =>
      api("POST", BASE, {
        token: clinic.physio.token,
        body: squatBody(clinic, catalog.lunge!.id!, { client_id: clientId }),
      });
    const a = expectStatus(await viaBody(), 201);
    const b = expectStatus(await viaBody(), 201);
    expect(b.body.data.id).toBe(a.body.data.id);
    expect(await rawRows("idempotency_key", clientId)).toHaveLength(1);
    expect(await rawRows("patient_id", clinic.patient.id)).toHaveLength(2);
  });

  it("lets the patient mark an assignment completed", async () => {
    const { clinic, catalog } = await setup();
    const created = await assign(clinic, catalog.squat!.id!);
    const done = expectStatus(
      await api("PUT", `${BASE}/${created.id}`, {
        token: clinic.patientUser.token,
        body: { status: "Completed" },
      }),
      200,
    );
    expect(done.body.data.status).toBe("Completed");
    expect(done.body.data.completed_at).toEqual(expect.any(String));
    const [audit] = await auditRows(clinic.workspaceId, "exercise_assignment.updated");
    expect(audit).toMatchObject({ actorId: clinic.patientUser.id, outcome: "success" });
  });

  it("lists a patient's assignments by status, with pagination", async () => {
    const { clinic, catalog } = await setup();
    const first = await assign(clinic, catalog.squat!.id!);
    await assign(clinic, catalog.lunge!.id!);
    await assign(clinic, catalog.bicep_curl!.id!, { status: "Completed" });
    const path = `${BASE}/patient/${clinic.patient.id}`;
    const all = expectStatus(
      await api("GET", `${path}?page_size=2`, { token: clinic.patientUser.token }),
      200,
    );
    expect(all.body.pagination).toEqual({ page: 1, page_size: 2, total_items: 3, total_pages: 2 });
    expect(all.body.data[0].exercise_type.slug).toBe("bicep_curl");
    const pending = expectStatus(
      await api("GET", `${path}?status=Pending`, { token: clinic.admin.token }),
      200,
    );
    expect(pending.body.data.map((a: { id: string }) => a.id)).toContain(first.id);
    expect(pending.body.data).toHaveLength(2);
    const listed = await auditRows(clinic.workspaceId, "exercise_assignment.listed");
    expect(listed.map((r) => r.metadata)).toEqual([
      { count: 2, total: 3 },
      { count: 2, total: 2 },
    ]);
  });

  it("lists the assignments a clinician made, for that clinician and an admin", async () => {
    const { clinic, catalog } = await setup();
    const mine = await assign(clinic, catalog.squat!.id!);
    const path = `${BASE}/doctor/${clinic.physio.id}`;
    const own = expectStatus(await api("GET", path, { token: clinic.physio.token }), 200);
    expect(own.body.data.map((a: { id: string }) => a.id)).toEqual([mine.id]);
    const admin = expectStatus(await api("GET", path, { token: clinic.admin.token }), 200);
    expect(admin.body.pagination.total_items).toBe(1);
    const doctor = expectStatus(
      await api("GET", `${BASE}/doctor/${clinic.doctor.id}`, { token: clinic.doctor.token }),
      200,
    );
    expect(doctor.body.data).toEqual([]);
    const [audit] = await auditRows(clinic.workspaceId, "exercise_assignment.listed");
    expect(audit).toMatchObject({
      resourceType: "user",
      resourceId: clinic.physio.id,
      metadata: { count: 1, total: 1 },
    });
  });
});
