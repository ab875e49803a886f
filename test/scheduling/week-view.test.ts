/** The calendar week view (GET /appointments filters) and GET /patients/appointments. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { auditRows, book } from "./helpers";

let week: Clinic;
let other: Clinic;
const ids: Record<string, string> = {};

beforeAll(async () => {
  other = await createClinic();
  week = await createClinic();
  const mk = async (key: string, body: Record<string, unknown>) => {
    ids[key] = (await book(week, body)).id;
  };
  await mk("before", {
    scheduled_start: "2031-05-04T23:30:00Z",
    scheduled_end: "2031-05-05T00:30:00Z",
  });
  await mk("mon", {
    scheduled_start: "2031-05-05T09:00:00Z",
    scheduled_end: "2031-05-05T10:00:00Z",
  });
  await mk("wed", {
    scheduled_start: "2031-05-07T09:00:00Z",
    scheduled_end: "2031-05-07T10:00:00Z",
    status: "cancelled",
  });
  await mk("doc", {
    patient_id: week.otherPatient.id,
    clinician_id: week.doctor.id,
    scheduled_start: "2031-05-08T09:00:00Z",
    scheduled_end: "2031-05-08T10:00:00Z",
  });
  await mk("next", {
    scheduled_start: "2031-05-12T09:00:00Z",
    scheduled_end: "2031-05-12T10:00:00Z",
  });
  await mk("past", {
    scheduled_start: "2020-05-12T09:00:00Z",
    scheduled_end: "2020-05-12T10:00:00Z",
  });
});

const list = async (token: string, query: string) => {
  const res = expectStatus(await api("GET", `/api/v1/appointments?${query}`, { token }), 200);
  return { ids: res.body.data.map((a: any) => a.id), body: res.body, res };
};

describe("happy", () => {
  it("returns appointments overlapping the week, in time order, audited in the same request", async () => {
    const {
      ids: got,
      body,
      res,
    } = await list(week.admin.token, "start_date=2031-05-05&end_date=2031-05-11");
    expect(got).toEqual([ids.before, ids.mon, ids.wed, ids.doc]);
    expect(body.pagination).toMatchObject({ total_items: 4, total_pages: 1 });
    expect(
      await auditRows({ requestId: res.headers.get("x-request-id"), queued: 1 }),
    ).toMatchObject([{ action: "appointment.listed", outcome: "success" }]);
    const exact = await list(
      week.admin.token,
      "start_date=2031-05-05T00:30:00Z&end_date=2031-05-07T09:00:00Z",
    );
    expect(exact.ids).toEqual([ids.mon]);
  });

  it("filters by clinician, patient and status, and pages", async () => {
    expect((await list(week.admin.token, `clinician_id=${week.doctor.id}`)).ids).toEqual([ids.doc]);
    expect((await list(week.admin.token, `patient_id=${week.otherPatient.id}`)).ids).toEqual([
      ids.doc,
    ]);
    expect((await list(week.admin.token, "status=cancelled")).ids).toEqual([ids.wed]);
    const page2 = await list(week.admin.token, "page=2&page_size=2");
    expect(page2.ids).toEqual([ids.mon, ids.wed]);
    expect(page2.body.pagination).toMatchObject({ page: 2, total_items: 6, total_pages: 3 });
  });

  it("GET /patients/appointments lists the calling patient's own appointments", async () => {
    const all = await api("GET", "/api/v1/patients/appointments?page_size=100", {
      token: week.patientUser.token,
    });
    expect(expectStatus(all, 200).body.data.map((a: any) => a.id)).toEqual([
      ids.next,
      ids.wed,
      ids.mon,
      ids.before,
      ids.past,
    ]);
    expect(
      await auditRows({ requestId: all.headers.get("x-request-id"), queued: 1 }),
    ).toMatchObject([
      { action: "appointment.listed", outcome: "success", actor_id: week.patientUser.id },
    ]);
    const past = await api("GET", "/api/v1/patients/appointments?when=past", {
      token: week.patientUser.token,
    });
    expect(past.body.data.map((a: any) => a.id)).toEqual([ids.past]);
    const upcoming = await api("GET", "/api/v1/patients/appointments?when=upcoming&page_size=1", {
      token: week.patientUser.token,
    });
    expect(upcoming.body.data.map((a: any) => a.id)).toEqual([ids.before]);
    expect(upcoming.body.pagination.total_items).toBe(4);
  });

  it("a week lists notes for staff only with include=notes (not even read from D1 otherwise)", async () => {
    const clinic = await createClinic(); // its own, so the other cases' counts stay as they are
    const noted = await book(clinic, {
      scheduled_start: "2031-06-02T09:00:00Z",
      scheduled_end: "2031-06-02T10:00:00Z",
      notes: "Knee flexion 95 degrees",
      location_type: "clinic",
      location_details: "Room 4",
    });
    const range = "start_date=2031-06-02&end_date=2031-06-03";
    const plain = await list(clinic.physio.token, range);
    expect(plain.body.data).toEqual([
      expect.objectContaining({ id: noted.id, notes: null, location_details: "Room 4" }),
    ]);
    const withNotes = await list(clinic.physio.token, `${range}&include=notes`);
    expect(withNotes.body.data).toEqual([
      expect.objectContaining({ id: noted.id, notes: "Knee flexion 95 degrees" }),
    ]);
    // A patient never gets notes, asked for or not.
    const own = await list(clinic.patientUser.token, `${range}&include=notes`);
    expect(own.body.data.map((a: any) => a.notes)).toEqual([null]);
  });
});

describe("errors", () => {
  it("422 when end_date is not after start_date", async () => {
    const res = await api(
      "GET",
      "/api/v1/appointments?start_date=2031-05-05T10:00:00Z&end_date=2031-05-05T09:00:00Z",
      {
        token: week.admin.token,
      },
    );
    expect(expectStatus(res, 422).body.error.details[0].field).toBe("end_date");
  });
});

describe("security", () => {
  it("shows each caller only what they may see", async () => {
    const physio = await list(week.physio.token, "page_size=100");
    expect(physio.ids).not.toContain(ids.doc);
    expect(physio.ids).toContain(ids.mon);
    expect((await list(week.doctor.token, "page_size=100")).ids).toEqual([ids.doc]);
    expect((await list(week.nurse.token, "page_size=100")).ids).toEqual([]);
    expect((await list(week.otherPatientUser.token, "page_size=100")).ids).toEqual([ids.doc]);
    expect((await list(week.family.token, "page_size=100")).ids).toEqual([]);
    expect((await list(other.admin.token, "page_size=100")).ids).toEqual([]);
    const asPatient = await list(week.patientUser.token, "page_size=100");
    expect(asPatient.ids).toHaveLength(5);
    expect(asPatient.body.data.every((a: any) => a.notes === null)).toBe(true);
  });

  it("family sees a patient's appointments once the patient shares the appointments scope", async () => {
    await env.DB.prepare(
      `update family_access set scopes = '["chat","appointments"]' where family_user_id = ?`,
    )
      .bind(week.family.id)
      .run();
    const fam = await list(week.family.token, "page_size=100");
    expect(fam.ids).toHaveLength(5);
    expect(fam.ids).not.toContain(ids.doc);
    const one = await api("GET", `/api/v1/appointments/${ids.mon}`, { token: week.family.token });
    expect(expectStatus(one, 200).body.data.notes).toBeNull();
  });

  it("GET /patients/appointments is for patients only (403, audited)", async () => {
    const res = await api("GET", "/api/v1/patients/appointments", { token: week.physio.token });
    expectStatus(res, 403);
    expect(
      await auditRows({ requestId: res.headers.get("x-request-id"), queued: 1 }),
    ).toMatchObject([
      { action: "appointment.listed", outcome: "denied", actor_id: week.physio.id },
    ]);
  });
});
