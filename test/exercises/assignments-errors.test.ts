import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { familyAccess } from "../../src/db/schema/patients";
import { createClinic, createPatientRecord } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import {
  ASSIGNMENTS,
  assignmentBody,
  assignViaApi,
  auditRows,
  clinicWithCatalog,
  rawAssignments,
  seedCatalog,
} from "./helpers";

const BASE = ASSIGNMENTS;
const setup = clinicWithCatalog;
const squatBody = assignmentBody;
const assign = assignViaApi;
const rawRows = rawAssignments;

describe("exercise assignments: errors", () => {
  it("answers 422 naming the field of invalid input", async () => {
    const { clinic, catalog } = await setup();
    const other = await createClinic("Other");
    const otherType = (await seedCatalog(other.workspaceId)).squat!.id!;
    const cases: [Record<string, unknown>, string][] = [
      [{ sets: 0 }, "sets"],
      [{ sets: 21 }, "sets"],
      [{ repetitions: 201 }, "repetitions"],
      [{ status: "Done" }, "status"],
      [{ due_date: "next week" }, "due_date"],
      [{ exercise_type_id: otherType }, "exercise_type_id"],
      [{ repetitions: null }, "repetitions"],
      [{ exercise_type_id: catalog.wall_sit!.id }, "hold_seconds"],
    ];
    for (const [extra, field] of cases) {
      const res = await api("POST", BASE, {
        token: clinic.physio.token,
        body: squatBody(clinic, catalog.squat!.id!, extra),
      });
      expectStatus(res, 422);
      expect(
        res.body.error.details.map((d: { field: string }) => d.field),
        res.text,
      ).toContain(field);
    }
    expect(await rawRows("patient_id", clinic.patient.id)).toHaveLength(0);
  });

  it("refuses a reused key with another request (client_id 409; header 422 by the shared layer)", async () => {
    const { clinic, catalog } = await setup();
    const body = squatBody(clinic, catalog.squat!.id!, {
      client_id: `client-${crypto.randomUUID()}`,
    });
    expectStatus(await api("POST", BASE, { token: clinic.physio.token, body }), 201);
    const reused = await api("POST", BASE, {
      token: clinic.physio.token,
      body: { ...body, sets: 5 },
    });
    expectStatus(reused, 409);
    expect(reused.body.error.details).toEqual([
      { field: "idempotency_key", message: "Already used with other values" },
    ]);
    const headers = { "Idempotency-Key": `key-${crypto.randomUUID()}` };
    const plain = squatBody(clinic, catalog.squat!.id!);
    expectStatus(
      await api("POST", BASE, { token: clinic.physio.token, headers, body: plain }),
      201,
    );
    const res = await api("POST", BASE, {
      token: clinic.physio.token,
      headers,
      body: { ...plain, sets: 5 },
    });
    expectStatus(res, 422);
    expect(await rawRows("patient_id", clinic.patient.id)).toHaveLength(2);
  });

  it("answers 404 (audited) to an unknown assignment", async () => {
    const { clinic } = await setup();
    const id = crypto.randomUUID();
    expectStatus(await api("GET", `${BASE}/${id}`, { token: clinic.admin.token }), 404);
    const [audit] = await auditRows(clinic.workspaceId, "exercise_assignment.read");
    expect(audit).toMatchObject({ resourceId: id, outcome: "not_found" });
  });
});

describe("exercise assignments: security", () => {
  it("lets the patient change only the status (refusal audited, row unchanged)", async () => {
    const { clinic, catalog } = await setup();
    const created = await assign(clinic, catalog.squat!.id!);
    const res = await api("PUT", `${BASE}/${created.id}`, {
      token: clinic.patientUser.token,
      body: { status: "Completed", sets: 1 },
    });
    expectStatus(res, 403);
    const [denied] = await auditRows(clinic.workspaceId, "exercise_assignment.updated");
    expect(denied).toMatchObject({
      outcome: "denied",
      metadata: { reason: "patient_may_only_set_status", fields: ["sets"] },
    });
    const [row] = await rawRows("id", created.id);
    expect(row).toMatchObject({ sets: 3, status: "Pending" });
  });

  it("keeps clinicians off patients outside their care team", async () => {
    const { clinic, catalog } = await setup();
    const created = await assign(clinic, catalog.squat!.id!);
    const body = squatBody(clinic, catalog.squat!.id!);
    // Off the care team: the 404 of an unknown id (no existence oracle).
    expectStatus(await api("POST", BASE, { token: clinic.doctor.token, body }), 404);
    expectStatus(await api("GET", `${BASE}/${created.id}`, { token: clinic.nurse.token }), 404);
    expectStatus(
      await api("PUT", `${BASE}/${created.id}`, { token: clinic.admin.token, body: { sets: 2 } }),
      403,
    );
    expectStatus(
      await api("GET", `${BASE}/doctor/${clinic.physio.id}`, { token: clinic.doctor.token }),
      403,
    );
    const denied = (await auditRows(clinic.workspaceId, "exercise_assignment.created")).filter(
      (r) => r.outcome === "denied",
    );
    expect(denied).toHaveLength(1);
  });

  it("shows assignments to family only with the 'exercises' scope, and never another patient's", async () => {
    const { clinic, catalog } = await setup();
    const created = await assign(clinic, catalog.squat!.id!);
    const path = `${BASE}/patient/${clinic.patient.id}`;
    expectStatus(await api("GET", path, { token: clinic.family.token }), 404);
    expectStatus(
      await api("GET", `${BASE}/${created.id}`, { token: clinic.otherPatientUser.token }),
      404,
    );
    expectStatus(await api("GET", path, { token: clinic.otherPatientUser.token }), 404);
    await drizzle(env.DB)
      .update(familyAccess)
      .set({ scopes: ["chat", "exercises"] })
      .where(eq(familyAccess.familyUserId, clinic.family.id));
    const shared = expectStatus(await api("GET", path, { token: clinic.family.token }), 200);
    expect(shared.body.data.map((a: { id: string }) => a.id)).toEqual([created.id]);
    expectStatus(await api("GET", `${BASE}/${created.id}`, { token: clinic.family.token }), 200);
    expectStatus(
      await api("PUT", `${BASE}/${created.id}`, {
        token: clinic.family.token,
        body: { status: "Completed" },
      }),
      403,
    );
  });

  it("drops a clinician's list rows for patients no longer on their care team", async () => {
    const { clinic, catalog } = await setup();
    const elsewhere = await createPatientRecord(clinic.workspaceId, {
      careTeam: [clinic.physio.id],
    });
    await assign(clinic, catalog.squat!.id!, { patient_id: elsewhere.id });
    await env.DB.prepare("delete from care_team_members where patient_id = ?")
      .bind(elsewhere.id)
      .run();
    const res = expectStatus(
      await api("GET", `${BASE}/doctor/${clinic.physio.id}`, { token: clinic.physio.token }),
      200,
    );
    expect(res.body.data).toEqual([]);
    const admin = expectStatus(
      await api("GET", `${BASE}/doctor/${clinic.physio.id}`, { token: clinic.admin.token }),
      200,
    );
    expect(admin.body.data).toHaveLength(1);
  });

  it("answers 404 across workspaces", async () => {
    const { clinic, catalog } = await setup();
    const other = await createClinic("Other");
    const created = await assign(clinic, catalog.squat!.id!);
    expectStatus(await api("GET", `${BASE}/${created.id}`, { token: other.admin.token }), 404);
    expectStatus(
      await api("GET", `${BASE}/doctor/${clinic.physio.id}`, { token: other.admin.token }),
      404,
    );
    expectStatus(
      await api("POST", BASE, {
        token: other.physio.token,
        body: squatBody(clinic, catalog.squat!.id!),
      }),
      404,
    );
  });
});
