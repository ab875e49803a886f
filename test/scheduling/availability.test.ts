import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { freeSlots, zonedToUtc } from "../../src/modules/availability/availability.slots";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { auditRows, book, createService, createTimeOff } from "./helpers";

let clinic: Clinic;
let other: Clinic;
beforeAll(async () => {
  [clinic, other] = await Promise.all([createClinic(), createClinic()]);
});

const hoursPath = (id: string) => `/api/v1/clinicians/${id}/working-hours`;
const setHours = (c: Clinic, token: string, id: string, working_hours: unknown[]) =>
  api("PUT", hoursPath(id), { token, body: { working_hours } });
const slots = async (c: Clinic, query: string, token = c.admin.token) =>
  api("GET", `/api/v1/appointments/available-slots?${query}`, { token });
const starts = (res: { body: any }) => res.body.data.slots.map((s: any) => s.start);

describe("happy", () => {
  it("a clinician sets their own working hours; staff read them; audited", async () => {
    const res = await setHours(clinic, clinic.physio.token, clinic.physio.id, [
      { weekday: 1, start: "09:00", end: "12:00", timezone: "UTC" },
      { weekday: 3, start: "13:00", end: "17:00", timezone: "Europe/Berlin" },
    ]);
    expect(expectStatus(res, 200).body.data.working_hours).toHaveLength(2);
    expect(await auditRows({ requestId: res.headers.get("x-request-id") })).toMatchObject([
      { action: "availability.updated", outcome: "success", resource_id: clinic.physio.id },
    ]);
    const read = await api("GET", hoursPath(clinic.physio.id), { token: clinic.nurse.token });
    expect(expectStatus(read, 200).body.data).toEqual({
      clinician_id: clinic.physio.id,
      working_hours: [
        { weekday: 1, start: "09:00", end: "12:00", timezone: "UTC" },
        { weekday: 3, start: "13:00", end: "17:00", timezone: "Europe/Berlin" },
      ],
    });
  });

  it("time off: create, list, delete; the reason is stored encrypted", async () => {
    const created = await createTimeOff(clinic, clinic.doctor.id, { reason: "Surgery recovery" });
    const raw = await env.DB.prepare("select * from clinician_time_off where id = ?")
      .bind(created.id)
      .first();
    expect(JSON.stringify(raw)).not.toContain("Surgery");
    const list = await api("GET", `/api/v1/clinicians/${clinic.doctor.id}/time-off`, {
      token: clinic.physio.token,
    });
    expect(expectStatus(list, 200).body.data).toMatchObject([
      { id: created.id, reason: "Surgery recovery" },
    ]);
    const del = await api(
      "DELETE",
      `/api/v1/clinicians/${clinic.doctor.id}/time-off/${created.id}`,
      {
        token: clinic.doctor.token,
      },
    );
    expectStatus(del, 204);
    expect(await auditRows({ requestId: del.headers.get("x-request-id") })).toMatchObject([
      { action: "availability.deleted", outcome: "success" },
    ]);
  });

  it("free slots honour working hours, the duration, appointments and time off", async () => {
    const c = await createClinic();
    expectStatus(
      await setHours(c, c.admin.token, c.physio.id, [
        { weekday: 1, start: "09:00", end: "12:00", timezone: "UTC" },
      ]),
      200,
    );
    const service = await createService(c, { default_duration_minutes: 30 });
    await book(c, {
      scheduled_start: "2031-01-13T10:00:00Z",
      scheduled_end: "2031-01-13T11:00:00Z",
    });
    await book(c, {
      scheduled_start: "2031-01-13T09:00:00Z",
      scheduled_end: "2031-01-13T09:30:00Z",
      status: "cancelled",
    });
    await createTimeOff(c, c.physio.id, {
      starts_at: "2031-01-13T11:00:00Z",
      ends_at: "2031-01-13T11:30:00Z",
    });
    const res = await slots(
      c,
      `clinician_id=${c.physio.id}&date_from=2031-01-13&date_to=2031-01-14&service_id=${service.id}`,
    );
    expect(expectStatus(res, 200).body.data).toMatchObject({
      duration_minutes: 30,
      step_minutes: 15,
    });
    expect(starts(res)).toEqual([
      "2031-01-13T09:00:00.000Z",
      "2031-01-13T09:15:00.000Z",
      "2031-01-13T09:30:00.000Z",
      "2031-01-13T11:30:00.000Z",
    ]);
    const hourly = await slots(
      c,
      `clinician_id=${c.physio.id}&date_from=2031-01-20&date_to=2031-01-20&duration_minutes=60&step_minutes=60`,
      c.patientUser.token,
    );
    expect(starts(expectStatus(hourly, 200))).toEqual([
      "2031-01-20T09:00:00.000Z",
      "2031-01-20T10:00:00.000Z",
      "2031-01-20T11:00:00.000Z",
    ]);
    const past = await slots(
      c,
      `clinician_id=${c.physio.id}&date_from=2020-01-06&date_to=2020-01-06`,
    );
    expect(starts(past)).toEqual([]);
  });

  it("local working hours follow daylight saving time", async () => {
    const c = await createClinic();
    await setHours(c, c.admin.token, c.doctor.id, [
      { weekday: 1, start: "09:00", end: "10:00", timezone: "America/New_York" },
    ]);
    const res = await slots(
      c,
      `clinician_id=${c.doctor.id}&date_from=2031-03-03&date_to=2031-03-10`,
    );
    expect(starts(expectStatus(res, 200))).toEqual([
      "2031-03-03T14:00:00.000Z",
      "2031-03-10T13:00:00.000Z",
    ]);
  });

  it("pure slot computation: zone conversion and de-duplicated overlapping windows", () => {
    expect(new Date(zonedToUtc("2031-07-07", "09:00", "Europe/Berlin")).toISOString()).toBe(
      "2031-07-07T07:00:00.000Z",
    );
    expect(new Date(zonedToUtc("2031-01-06", "24:00", "UTC")).toISOString()).toBe(
      "2031-01-07T00:00:00.000Z",
    );
    const out = freeSlots({
      dateFrom: "2031-01-06",
      dateTo: "2031-01-06",
      windows: [
        { weekday: 1, start: "09:00", end: "10:00", timezone: "UTC" },
        { weekday: 1, start: "09:30", end: "10:30", timezone: "UTC" },
      ],
      busy: [],
      durationMinutes: 30,
      stepMinutes: 30,
      notBefore: 0,
    });
    expect(out.map((s) => s.start.slice(11, 16))).toEqual(["09:00", "09:30", "10:00"]);
  });
});

describe("errors", () => {
  it("422 for an unknown time zone or a window that ends before it starts", async () => {
    const res = await setHours(clinic, clinic.admin.token, clinic.physio.id, [
      { weekday: 1, start: "10:00", end: "09:00", timezone: "UTC" },
      { weekday: 2, start: "09:00", end: "10:00", timezone: "Mars/Olympus" },
    ]);
    expect(expectStatus(res, 422).body.error.details.map((d: any) => d.field)).toEqual([
      "working_hours.0.end",
      "working_hours.1.timezone",
    ]);
    const bad = await setHours(clinic, clinic.admin.token, clinic.physio.id, [
      { weekday: 7, start: "9", end: "10:00" },
    ]);
    expectStatus(bad, 422);
  });

  it("422 when time off ends before it starts", async () => {
    const res = await api("POST", `/api/v1/clinicians/${clinic.physio.id}/time-off`, {
      token: clinic.physio.token,
      body: { starts_at: "2031-02-03T12:00:00Z", ends_at: "2031-02-03T11:00:00Z" },
    });
    expect(expectStatus(res, 422).body.error.details[0].field).toBe("ends_at");
  });

  it("free slots: 422 past 31 days, for a reversed range, or an unknown clinician", async () => {
    const long = await slots(
      clinic,
      `clinician_id=${clinic.physio.id}&date_from=2031-01-01&date_to=2031-02-01`,
    );
    expect(expectStatus(long, 422).body.error.details[0].field).toBe("date_to");
    expectStatus(
      await slots(
        clinic,
        `clinician_id=${clinic.physio.id}&date_from=2031-01-01&date_to=2031-01-31`,
      ),
      200,
    );
    const reversed = await slots(
      clinic,
      `clinician_id=${clinic.physio.id}&date_from=2031-01-05&date_to=2031-01-04`,
    );
    expect(expectStatus(reversed, 422).body.error.details[0].field).toBe("date_to");
    const unknown = await slots(
      clinic,
      `clinician_id=${other.physio.id}&date_from=2031-01-05&date_to=2031-01-06`,
    );
    expect(expectStatus(unknown, 422).body.error.details[0].field).toBe("clinician_id");
  });

  it("404 for a user who is not a clinician", async () => {
    expectStatus(await api("GET", hoursPath(clinic.admin.id), { token: clinic.admin.token }), 404);
  });
});

describe("security", () => {
  it("another clinician cannot edit a colleague's hours (403, audited); an admin can", async () => {
    const res = await setHours(clinic, clinic.nurse.token, clinic.physio.id, []);
    expectStatus(res, 403);
    expect(await auditRows({ requestId: res.headers.get("x-request-id") })).toMatchObject([
      { action: "availability.updated", outcome: "denied", actor_id: clinic.nurse.id },
    ]);
    expectStatus(await setHours(clinic, clinic.admin.token, clinic.nurse.id, []), 200);
  });

  it("another workspace's clinician is a 404; family may not ask for slots", async () => {
    expectStatus(await api("GET", hoursPath(clinic.physio.id), { token: other.admin.token }), 404);
    const fam = await slots(
      clinic,
      `clinician_id=${clinic.physio.id}&date_from=2031-01-05&date_to=2031-01-06`,
      clinic.family.token,
    );
    expectStatus(fam, 403);
  });
});
