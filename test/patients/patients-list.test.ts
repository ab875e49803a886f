import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { expectOneAudit, fieldsOf, patientBody } from "./helpers";

const P = "/api/v1/patients";

describe("patient list: happy", () => {
  it("searches by exact name words (all must match) and by exact MRN, with pagination", async () => {
    const clinic = await createClinic();
    const make = async (first: string, last: string) =>
      expectStatus(
        await api("POST", P, {
          token: clinic.admin.token,
          body: patientBody({ first_name: first, last_name: last }),
        }),
        201,
      ).body.data;
    const a = await make("Marguerite", "Okonkwo");
    const b = await make("Marguerite", "Lindqvist");
    const c = await make("Tobias", "Okonkwo");
    const ids = async (search: string, extra = "") =>
      expectStatus(
        await api("GET", `${P}?search=${encodeURIComponent(search)}${extra}`, {
          token: clinic.admin.token,
        }),
        200,
      );

    expect((await ids("marguerite")).body.data.map((p: any) => p.id).sort()).toEqual(
      [a.id, b.id].sort(),
    );
    expect((await ids("Okonkwo")).body.data.map((p: any) => p.id).sort()).toEqual(
      [a.id, c.id].sort(),
    );
    expect((await ids("marguerite okonkwo")).body.data.map((p: any) => p.id)).toEqual([a.id]);
    expect((await ids("Margue")).body.data).toEqual([]);
    expect((await ids(b.mrn.toLowerCase())).body.data.map((p: any) => p.id)).toEqual([b.id]);

    const page = await ids("okonkwo", "&page=2&page_size=1");
    expect(page.body.pagination).toEqual({ page: 2, page_size: 1, total_items: 2, total_pages: 2 });
    expect(page.body.data).toHaveLength(1);
    expect(page.body.data[0]).toMatchObject({
      first_name: expect.any(String),
      mrn: expect.any(String),
      date_of_birth: "1985-03-15",
    });
    expect(page.body.data[0].email).toBeUndefined();
    const audit = await expectOneAudit(page, "patient.listed", "success", { queued: true });
    expect(audit.metadata).not.toContain("okonkwo");
  });

  it("lists only the patients on the caller's care team; admin sees all, a patient their own", async () => {
    const clinic = await createClinic();
    const ids = async (token: string) =>
      expectStatus(await api("GET", `${P}?page_size=100`, { token }), 200).body.data.map(
        (p: any) => p.id,
      );
    expect(await ids(clinic.physio.token)).toEqual([clinic.patient.id]);
    expect(await ids(clinic.doctor.token)).toEqual([clinic.otherPatient.id]);
    expect(await ids(clinic.nurse.token)).toEqual([]);
    expect((await ids(clinic.admin.token)).sort()).toEqual(
      [clinic.patient.id, clinic.otherPatient.id].sort(),
    );
    expect(await ids(clinic.patientUser.token)).toEqual([clinic.patient.id]);
    expect(await ids(clinic.family.token)).toEqual([clinic.patient.id]);

    expectStatus(
      await api("GET", `${P}/${clinic.patient.id}`, { token: clinic.physio.token }),
      200,
    );
    expectStatus(
      await api("GET", `${P}/${clinic.otherPatient.id}`, { token: clinic.physio.token }),
      404,
    );
    expectStatus(await api("GET", `${P}/${clinic.patient.id}`, { token: clinic.nurse.token }), 404);
  });
});

describe("patient list: errors", () => {
  it("validates paging and search parameters", async () => {
    const clinic = await createClinic();
    const big = expectStatus(
      await api("GET", `${P}?page_size=101`, { token: clinic.admin.token }),
      422,
    );
    expect(fieldsOf(big)).toEqual(["query.page_size"]);
    const long = expectStatus(
      await api("GET", `${P}?search=${"x".repeat(101)}`, { token: clinic.admin.token }),
      422,
    );
    expect(fieldsOf(long)).toEqual(["query.search"]);
  });
});

describe("patient list: security", () => {
  it("search never reaches past visibility or the workspace", async () => {
    const clinic = await createClinic();
    const other = await createClinic();
    const found = async (token: string, search: string) =>
      expectStatus(
        await api("GET", `${P}?search=${encodeURIComponent(search)}`, { token }),
        200,
      ).body.data.map((p: any) => p.id);
    expect(await found(clinic.admin.token, clinic.otherPatient.mrn)).toEqual([
      clinic.otherPatient.id,
    ]);
    expect(await found(clinic.physio.token, clinic.otherPatient.mrn)).toEqual([]);
    expect(await found(clinic.patientUser.token, clinic.otherPatient.mrn)).toEqual([]);
    expect(await found(clinic.family.token, clinic.otherPatient.mrn)).toEqual([]);
    expect(await found(other.admin.token, clinic.otherPatient.mrn)).toEqual([]);
    expect(await found(clinic.physio.token, clinic.patient.mrn)).toEqual([clinic.patient.id]);
    const res = expectStatus(
      await api("GET", `${P}?search=Pat`, { token: clinic.doctor.token }),
      200,
    );
    expect(res.body.data.map((p: any) => p.id)).toEqual([clinic.otherPatient.id]);
    expect(res.body.pagination.total_items).toBe(1);
    await expectOneAudit(res, "patient.listed", "success", { queued: true });
  });
});
