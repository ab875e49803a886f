import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { auditOf, expectOneAudit, fieldsOf, vitalsBody as vitals } from "./helpers";

const P = "/api/v1/patients";

describe("vitals: happy", () => {
  it("filters vitals by date range (dates cover whole days), newest first, paginated", async () => {
    const clinic = await createClinic();
    const base = `${P}/${clinic.patient.id}/vitals`;
    for (const day of ["2024-01-10", "2024-01-15", "2024-01-20", "2024-02-01"]) {
      expectStatus(
        await api("POST", base, {
          token: clinic.physio.token,
          body: vitals({ recorded_date: `${day}T08:00:00Z` }),
        }),
        201,
      );
    }
    const dates = async (query: string) => {
      const res = expectStatus(
        await api("GET", `${base}?${query}`, { token: clinic.physio.token }),
        200,
      );
      return { days: res.body.data.map((v: any) => v.recorded_date.slice(0, 10)), res };
    };
    expect((await dates("start_date=2024-01-15&end_date=2024-01-20")).days).toEqual([
      "2024-01-20",
      "2024-01-15",
    ]);
    expect((await dates("start_date=2024-01-16")).days).toEqual(["2024-02-01", "2024-01-20"]);
    expect((await dates("end_date=2024-01-10")).days).toEqual(["2024-01-10"]);
    expect((await dates("start_date=2024-01-15T09:00:00Z")).days).toEqual([
      "2024-02-01",
      "2024-01-20",
    ]);
    const { days, res } = await dates("page=2&page_size=3");
    expect(days).toEqual(["2024-01-10"]);
    expect(res.body.pagination).toEqual({ page: 2, page_size: 3, total_items: 4, total_pages: 2 });
    await expectOneAudit(res, "vital.listed");
  });
});

describe("vitals: idempotency", () => {
  it("a retried recording with the same Idempotency-Key returns the first result, stored once", async () => {
    const clinic = await createClinic();
    const base = `${P}/${clinic.patient.id}/vitals`;
    const key = `vitals-retry-${crypto.randomUUID()}`;
    const post = (idempotencyKey: string) =>
      api("POST", base, {
        token: clinic.physio.token,
        headers: { "Idempotency-Key": idempotencyKey },
        body: vitals(),
      });
    const first = expectStatus(await post(key), 201);
    const retry = expectStatus(await post(key), 201);
    expect(retry.body.data.id).toBe(first.body.data.id);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    // Another key is another recording.
    expectStatus(await post(`vitals-other-${crypto.randomUUID()}`), 201);
    const list = expectStatus(await api("GET", base, { token: clinic.physio.token }), 200);
    expect(list.body.pagination.total_items).toBe(2);
  });
});

describe("vitals: errors", () => {
  it("answers 422 naming each out-of-range vital sign", async () => {
    const clinic = await createClinic();
    const base = `${P}/${clinic.patient.id}/vitals`;
    const token = clinic.physio.token;
    const res = expectStatus(
      await api("POST", base, {
        token,
        body: vitals({
          systolic_bp: 300,
          heart_rate: 10,
          temperature: 50,
          oxygen_saturation: 120,
          weight: 0,
          height: 400,
          respiration_rate: 2,
        }),
      }),
      422,
    );
    expect(res.body.error.code).toBe("VALIDATION_ERROR");
    expect(fieldsOf(res).sort()).toEqual([
      "heart_rate",
      "height",
      "oxygen_saturation",
      "respiration_rate",
      "systolic_bp",
      "temperature",
      "weight",
    ]);
    const diastolic = expectStatus(
      await api("POST", base, { token, body: vitals({ systolic_bp: 90, diastolic_bp: 95 }) }),
      422,
    );
    expect(fieldsOf(diastolic)).toEqual(["diastolic_bp"]);
    const low = expectStatus(await api("POST", base, { token, body: { diastolic_bp: 20 } }), 422);
    expect(fieldsOf(low)).toEqual(["diastolic_bp"]);
    const none = expectStatus(
      await api("POST", base, { token, body: { notes: "nothing measured" } }),
      422,
    );
    expect(fieldsOf(none)).toEqual(["body"]);
    const future = expectStatus(
      await api("POST", base, {
        token,
        body: { heart_rate: 70, recorded_date: "2999-01-01T00:00:00Z" },
      }),
      422,
    );
    expect(fieldsOf(future)).toEqual(["recorded_date"]);
    const range = expectStatus(
      await api("GET", `${base}?start_date=2024-02-01&end_date=2024-01-01`, { token }),
      422,
    );
    expect(fieldsOf(range)).toEqual(["query.end_date"]);
    // Nothing was stored by the refused requests.
    const list = expectStatus(await api("GET", base, { token }), 200);
    expect(list.body.data).toEqual([]);
  });
});

describe("vitals: security", () => {
  it("reads vitals within the relation only, one audit row per request", async () => {
    const clinic = await createClinic();
    const base = `${P}/${clinic.otherPatient.id}/vitals`;
    expectStatus(await api("POST", base, { token: clinic.doctor.token, body: vitals() }), 201);
    const ok = expectStatus(await api("GET", base, { token: clinic.otherPatientUser.token }), 200);
    expect(ok.body.data).toHaveLength(1);
    await expectOneAudit(ok, "vital.listed");
    for (const [token, status] of [
      [clinic.physio.token, 404],
      [clinic.patientUser.token, 404],
      // Family never reads clinical parts: refused on the role, the same 403 for any id.
      [clinic.family.token, 403],
    ] as const) {
      const res = expectStatus(await api("GET", base, { token }), status);
      expect(await auditOf(res)).toMatchObject([{ action: "vital.listed" }]);
      expect(res.text).not.toContain("Resting");
    }
  });
});
