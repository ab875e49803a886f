import { beforeEach, describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { auditRows, book } from "./helpers";

let clinic: Clinic;
beforeEach(async () => {
  clinic = await createClinic();
});

const T = (hhmm: string) => `2031-06-02T${hhmm}:00.000Z`;

const attempt = (c: Clinic, start: string, end: string, body: Record<string, unknown> = {}) =>
  api("POST", "/api/v1/appointments", {
    token: c.admin.token,
    body: {
      patient_id: c.patient.id,
      clinician_id: c.physio.id,
      scheduled_start: T(start),
      scheduled_end: T(end),
      ...body,
    },
  });

const conflicts = (c: Clinic, params: Record<string, string>, token = c.admin.token) =>
  api("GET", `/api/v1/appointments/conflicts?${new URLSearchParams(params)}`, { token });

describe("happy", () => {
  it("touching intervals do not conflict, for the clinician or the patient", async () => {
    await book(clinic, { scheduled_start: T("10:00"), scheduled_end: T("11:00") });
    expectStatus(await attempt(clinic, "11:00", "12:00"), 201);
    expectStatus(await attempt(clinic, "09:00", "10:00"), 201);
  });

  it("cancelled appointments do not conflict; a cancelled booking holds no slot", async () => {
    await book(clinic, {
      scheduled_start: T("10:00"),
      scheduled_end: T("11:00"),
      status: "cancelled",
    });
    expectStatus(await attempt(clinic, "10:00", "11:00"), 201);
    expectStatus(await attempt(clinic, "10:30", "11:30", { status: "cancelled" }), 201);
  });

  it("the conflicts endpoint reports overlaps and honours exclude_appointment_id", async () => {
    const appt = await book(clinic, { scheduled_start: T("10:00"), scheduled_end: T("11:00") });
    const hit = await conflicts(clinic, {
      scheduled_start: T("10:30"),
      scheduled_end: T("10:45"),
      clinician_id: clinic.physio.id,
    });
    expect(expectStatus(hit, 200).body.data).toEqual({
      has_conflict: true,
      conflicting_appointments: [
        {
          id: appt.id,
          scheduled_start: T("10:00"),
          scheduled_end: T("11:00"),
          clinician_id: clinic.physio.id,
          patient_id: clinic.patient.id,
          status: "scheduled",
        },
      ],
    });
    expect(
      await auditRows({ requestId: hit.headers.get("x-request-id"), queued: 1 }),
    ).toMatchObject([{ action: "appointment.listed", outcome: "success" }]);
    const excluded = await conflicts(clinic, {
      scheduled_start: T("10:30"),
      scheduled_end: T("10:45"),
      patient_id: clinic.patient.id,
      exclude_appointment_id: appt.id,
    });
    expect(expectStatus(excluded, 200).body.data).toEqual({
      has_conflict: false,
      conflicting_appointments: [],
    });
    const touching = await conflicts(clinic, {
      scheduled_start: T("11:00"),
      scheduled_end: T("12:00"),
      clinician_id: clinic.physio.id,
    });
    expect(touching.body.data.has_conflict).toBe(false);
  });
});

describe("errors", () => {
  it.each([
    ["contained", "10:15", "10:45"],
    ["containing", "09:00", "12:00"],
    ["overlapping the start", "09:30", "10:30"],
    ["overlapping the end", "10:59", "11:30"],
    ["identical", "10:00", "11:00"],
  ])("409 CONFLICT for an interval %s", async (_, start, end) => {
    const existing = await book(clinic, { scheduled_start: T("10:00"), scheduled_end: T("11:00") });
    const res = await attempt(clinic, start, end);
    const body = expectStatus(res, 409).body;
    expect(body.error.code).toBe("CONFLICT");
    expect(body.error.details.conflicting_appointments).toEqual([
      {
        id: existing.id,
        scheduled_start: T("10:00"),
        scheduled_end: T("11:00"),
        clinician_id: clinic.physio.id,
        patient_id: clinic.patient.id,
        status: "scheduled",
      },
    ]);
    expect(await auditRows({ requestId: res.headers.get("x-request-id") })).toMatchObject([
      { action: "appointment.created", outcome: "failure" },
    ]);
  });

  it("409 for the same patient with another clinician, and the same clinician with another patient", async () => {
    await book(clinic, { scheduled_start: T("10:00"), scheduled_end: T("11:00") });
    expectStatus(await attempt(clinic, "10:30", "11:30", { clinician_id: clinic.doctor.id }), 409);
    expectStatus(
      await attempt(clinic, "10:30", "11:30", { patient_id: clinic.otherPatient.id }),
      409,
    );
    expectStatus(
      await attempt(clinic, "10:30", "11:30", {
        patient_id: clinic.otherPatient.id,
        clinician_id: clinic.doctor.id,
      }),
      201,
    );
  });

  it("no-show and completed appointments still hold their slot", async () => {
    await book(clinic, {
      scheduled_start: T("10:00"),
      scheduled_end: T("11:00"),
      status: "no_show",
    });
    await book(clinic, {
      scheduled_start: T("13:00"),
      scheduled_end: T("14:00"),
      status: "completed",
    });
    expectStatus(await attempt(clinic, "10:30", "11:30"), 409);
    expectStatus(await attempt(clinic, "13:30", "14:30"), 409);
  });

  it("PUT re-checks overlaps, excluding the appointment itself", async () => {
    const a = await book(clinic, { scheduled_start: T("10:00"), scheduled_end: T("11:00") });
    const b = await book(clinic, { scheduled_start: T("12:00"), scheduled_end: T("13:00") });
    const put = (id: string, body: Record<string, unknown>) =>
      api("PUT", `/api/v1/appointments/${id}`, { token: clinic.admin.token, body });
    expectStatus(await put(a.id, { scheduled_start: T("10:30"), scheduled_end: T("11:30") }), 200);
    const clash = await put(a.id, { scheduled_start: T("11:30") });
    expect(expectStatus(clash, 409).body.error.details.conflicting_appointments[0].id).toBe(b.id);
    expect(await auditRows({ requestId: clash.headers.get("x-request-id") })).toMatchObject([
      { action: "appointment.updated", outcome: "failure" },
    ]);
    expectStatus(await put(b.id, { status: "cancelled" }), 200);
    expectStatus(await put(a.id, { scheduled_start: T("11:30") }), 200);
    expectStatus(await put(b.id, { status: "scheduled" }), 409);
    const row = await api("GET", `/api/v1/appointments/${a.id}`, { token: clinic.admin.token });
    expect(row.body.data).toMatchObject({ scheduled_start: T("11:30"), scheduled_end: T("12:30") });
  });

  it("the conflicts endpoint needs a clinician or patient and a valid interval (422)", async () => {
    const none = await conflicts(clinic, {
      scheduled_start: T("10:00"),
      scheduled_end: T("11:00"),
    });
    expect(expectStatus(none, 422).body.error.details[0].field).toBe("clinician_id");
    const backwards = await conflicts(clinic, {
      scheduled_start: T("11:00"),
      scheduled_end: T("10:00"),
      clinician_id: clinic.physio.id,
    });
    expect(expectStatus(backwards, 422).body.error.details[0].field).toBe("scheduled_end");
  });
});

describe("security", () => {
  it("a clinician asking about a patient off their care team is refused like an unknown patient (404, audited)", async () => {
    const res = await conflicts(
      clinic,
      {
        scheduled_start: T("10:00"),
        scheduled_end: T("11:00"),
        patient_id: clinic.otherPatient.id,
      },
      clinic.physio.token,
    );
    expectStatus(res, 404);
    expect(await auditRows({ requestId: res.headers.get("x-request-id") })).toMatchObject([
      { action: "appointment.listed", outcome: "denied" },
    ]);
  });

  it("conflicts never cross workspaces", async () => {
    const otherClinic = await createClinic();
    await book(clinic, { scheduled_start: T("10:00"), scheduled_end: T("11:00") });
    const res = await conflicts(otherClinic, {
      scheduled_start: T("10:00"),
      scheduled_end: T("11:00"),
      clinician_id: clinic.physio.id,
    });
    expect(expectStatus(res, 200).body.data.has_conflict).toBe(false);
  });
});
