/**
 * What a family member sees of a patient (issue 12): the display name, the relation and only the
 * granted scopes' sections, on every path a family member can call (list, search, detail); never
 * the chart. Reads are audited as `patient.family_read`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { FamilyScope } from "../../src/db/schema/patients";
import { insertAssignment } from "../exercises/helpers";
import { createClinic, createUser, type Clinic, type TestUser } from "../helpers/fixtures";
import { api, expectStatus, type ApiResponse } from "../helpers/http";
import { book } from "../scheduling/helpers";
import { auditOf, expectOneAudit } from "./helpers";

/** Keys of the chart that no family payload may carry, at any depth. */
const CHART_KEYS = [
  "mrn",
  "date_of_birth",
  "first_name",
  "last_name",
  "email",
  "phone_number",
  "address",
  "emergency_contact",
  "blood_type",
  "diagnoses",
  "medications",
  "allergies",
  "vitals",
  "notes",
  "tags",
  "instructions",
  "user_id",
  "consent_given",
];
const SECTION_KEYS = ["upcoming_appointments", "exercises"];

function keysDeep(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysDeep(v, into));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysDeep(v, into);
    }
  }
  return into;
}

function expectNoChart(res: ApiResponse) {
  const keys = keysDeep(res.body.data);
  for (const key of CHART_KEYS) expect(keys.has(key), `family payload has "${key}"`).toBe(false);
  // The MRN's value must not appear anywhere either (e.g. inside a renamed field).
  expect(res.text).not.toContain("MRN-");
  expect(res.text).not.toContain("1980-04-12");
}

async function familyWith(clinic: Clinic, scopes: FamilyScope[]): Promise<TestUser> {
  const member = await createUser(clinic.workspaceId, "family");
  const res = await api("POST", `/api/v1/patients/${clinic.patient.id}/family-access`, {
    token: clinic.admin.token,
    body: { family_user_id: member.id, scopes, relationship: "daughter" },
  });
  expectStatus(res, 201);
  return member;
}

describe("family view", () => {
  let clinic: Clinic;
  beforeAll(async () => {
    clinic = await createClinic("Family View");
    await book(clinic);
    await insertAssignment({
      workspaceId: clinic.workspaceId,
      patientId: clinic.patient.id,
      assignedBy: clinic.physio.id,
    });
  });

  describe("happy", () => {
    const expected: Record<FamilyScope, string[]> = {
      appointments: ["upcoming_appointments"],
      exercises: ["exercises"],
      session_summaries: [],
      chat: [],
    };
    for (const [scope, sections] of Object.entries(expected) as [FamilyScope, string[]][]) {
      it(`scope ${scope}: detail shows exactly that scope's sections, no chart`, async () => {
        const member = await familyWith(clinic, [scope]);
        const res = expectStatus(
          await api("GET", `/api/v1/patients/${clinic.patient.id}`, { token: member.token }),
          200,
        );
        const data = res.body.data;
        expect(data).toMatchObject({
          id: clinic.patient.id,
          view: "family",
          relationship: "daughter",
          scopes: [scope],
        });
        expect(data.name).toMatch(/^Pat Ient\d+$/);
        const present = SECTION_KEYS.filter((k) => k in data);
        expect(present).toEqual(sections);
        expectNoChart(res);
        const audit = await expectOneAudit(res, "patient.family_read");
        expect(audit.resource_id).toBe(clinic.patient.id);
        expect(JSON.parse(audit.metadata!)).toMatchObject({ view: "detail", scopes: [scope] });
      });

      it(`scope ${scope}: list and name search show the summary only`, async () => {
        const member = await familyWith(clinic, [scope]);
        const list = expectStatus(
          await api("GET", "/api/v1/patients", { token: member.token }),
          200,
        );
        expect(list.body.data).toHaveLength(1);
        expect(Object.keys(list.body.data[0]).sort()).toEqual(
          ["id", "name", "relationship", "scopes", "view"].sort(),
        );
        expectNoChart(list);
        expect((await auditOf(list)).map((r) => r.action)).toEqual(["patient.family_read"]);
        const search = expectStatus(
          await api("GET", "/api/v1/patients?search=pat", { token: member.token }),
          200,
        );
        expect(search.body.data.map((p: { id: string }) => p.id)).toEqual([clinic.patient.id]);
        expectNoChart(search);
      });
    }

    it("sections carry times, the clinician's name, assignments and adherence", async () => {
      const member = await familyWith(clinic, ["appointments", "exercises"]);
      const res = expectStatus(
        await api("GET", `/api/v1/patients/${clinic.patient.id}`, { token: member.token }),
        200,
      );
      const { upcoming_appointments: appts, exercises } = res.body.data;
      expect(appts).toHaveLength(1);
      expect(Object.keys(appts[0]).sort()).toEqual(
        ["clinician_name", "id", "scheduled_end", "scheduled_start", "status"].sort(),
      );
      expect(appts[0].clinician_name).toBe(clinic.physio.name);
      expect(exercises.assignments).toHaveLength(1);
      expect(exercises.assignments[0]).toMatchObject({ sets: 3, repetitions: 10 });
      expect(exercises.adherence).toMatchObject({ total: 1, pending: 1, completion_rate: null });
      expectNoChart(res);
    });
  });

  describe("errors", () => {
    it("an MRN search finds nothing for family (it would confirm the MRN)", async () => {
      const member = await familyWith(clinic, ["appointments"]);
      const res = expectStatus(
        await api("GET", `/api/v1/patients?search=${clinic.patient.mrn}`, { token: member.token }),
        200,
      );
      expect(res.body.data).toEqual([]);
      expect(res.body.pagination?.total ?? 0).toBe(0);
    });
  });

  describe("security", () => {
    it("a patient not shared, a revoked grant and an unknown id are the same audited 404", async () => {
      const member = await familyWith(clinic, ["exercises"]);
      const revoke = await api(
        "DELETE",
        `/api/v1/patients/${clinic.patient.id}/family-access/${member.id}`,
        { token: clinic.admin.token },
      );
      expectStatus(revoke, 204);
      for (const id of [clinic.patient.id, clinic.otherPatient.id, crypto.randomUUID()]) {
        const res = await api("GET", `/api/v1/patients/${id}`, { token: member.token });
        expectStatus(res, 404);
        expect(res.body.error.message).toBe("Patient not found");
        await expectOneAudit(res, "patient.family_read", "not_found");
      }
      const list = expectStatus(await api("GET", "/api/v1/patients", { token: member.token }), 200);
      expect(list.body.data).toEqual([]);
    });

    it("family still never reads the clinical sub-records (403 for any id)", async () => {
      const member = await familyWith(clinic, ["appointments", "exercises"]);
      for (const id of [clinic.patient.id, crypto.randomUUID()]) {
        const res = await api("GET", `/api/v1/patients/${id}/diagnoses`, { token: member.token });
        expectStatus(res, 403);
      }
    });
  });
});
