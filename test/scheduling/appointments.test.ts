import { beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/lib/ids";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { appointmentRows, auditRows, book, createLocation, createService } from "./helpers";

let clinic: Clinic;
let other: Clinic;
beforeAll(async () => {
  [clinic, other] = await Promise.all([createClinic(), createClinic()]);
});

const NOTES = "Left knee pain after stairs; bring the MRI";
const DETAILS = "Ring the bell at 14 Elm Street";

describe("happy", () => {
  it("books an appointment: encrypted free text, audited, readable by staff and the patient", async () => {
    const location = await createLocation(clinic, { location_type: "home", address: "14 Elm" });
    const res = await api("POST", "/api/v1/appointments", {
      token: clinic.physio.token,
      body: {
        patient_id: clinic.patient.id,
        clinician_id: clinic.physio.id,
        location_id: location.id,
        scheduled_start: "2031-04-01T12:00:00+02:00",
        scheduled_end: "2031-04-01T13:00:00+02:00",
        location_details: DETAILS,
        notes: NOTES,
      },
    });
    const appt = expectStatus(res, 201).body.data;
    expect(appt).toMatchObject({
      patient_id: clinic.patient.id,
      clinician_id: clinic.physio.id,
      scheduled_start: "2031-04-01T10:00:00.000Z",
      scheduled_end: "2031-04-01T11:00:00.000Z",
      location_type: "home",
      location_details: DETAILS,
      status: "scheduled",
      notes: NOTES,
      created_by: clinic.physio.id,
    });
    expect(await auditRows({ requestId: res.headers.get("x-request-id") })).toMatchObject([
      { action: "appointment.created", outcome: "success", resource_id: appt.id },
    ]);
    const raw = (await appointmentRows(clinic)).find((r) => r.id === appt.id)!;
    expect(JSON.stringify(raw)).not.toContain("MRI");
    expect(JSON.stringify(raw)).not.toContain("Elm Street");
    expect(raw.notes_enc).toMatch(/^v1\./);

    const asPatient = await api("GET", `/api/v1/appointments/${appt.id}`, {
      token: clinic.patientUser.token,
    });
    expect(expectStatus(asPatient, 200).body.data).toMatchObject({ id: appt.id, notes: null });
    expect(await auditRows({ requestId: asPatient.headers.get("x-request-id") })).toMatchObject([
      { action: "appointment.read", outcome: "success", actor_id: clinic.patientUser.id },
    ]);
    const asAdmin = await api("GET", `/api/v1/appointments/${appt.id}`, {
      token: clinic.admin.token,
    });
    expect(expectStatus(asAdmin, 200).body.data.notes).toBe(NOTES);
  });

  it("derives the end from the service duration, and keeps the length when only the start moves", async () => {
    const service = await createService(clinic, { default_duration_minutes: 45 });
    const appt = await book(clinic, {
      service_id: service.id,
      scheduled_start: "2031-04-02T09:00:00Z",
      scheduled_end: undefined,
    });
    expect(appt.scheduled_end).toBe("2031-04-02T09:45:00.000Z");
    const moved = await api("PUT", `/api/v1/appointments/${appt.id}`, {
      token: clinic.admin.token,
      body: { scheduled_start: "2031-04-02T15:00:00Z", status: "completed" },
    });
    expect(expectStatus(moved, 200).body.data).toMatchObject({
      scheduled_start: "2031-04-02T15:00:00.000Z",
      scheduled_end: "2031-04-02T15:45:00.000Z",
      status: "completed",
    });
    expect(await auditRows({ requestId: moved.headers.get("x-request-id") })).toMatchObject([
      { action: "appointment.updated", outcome: "success", resource_id: appt.id },
    ]);
  });

  it("deletes an appointment (204), audited", async () => {
    const appt = await book(clinic);
    const res = await api("DELETE", `/api/v1/appointments/${appt.id}`, {
      token: clinic.physio.token,
    });
    expectStatus(res, 204);
    expect((await appointmentRows(clinic)).some((r) => r.id === appt.id)).toBe(false);
    expect(await auditRows({ requestId: res.headers.get("x-request-id") })).toMatchObject([
      { action: "appointment.deleted", outcome: "success", resource_id: appt.id },
    ]);
    expectStatus(
      await api("GET", `/api/v1/appointments/${appt.id}`, { token: clinic.admin.token }),
      404,
    );
  });

  it("a retry with the same client id returns the first result and books once", async () => {
    const id = uuidv7();
    const body = {
      id,
      patient_id: clinic.patient.id,
      clinician_id: clinic.physio.id,
      scheduled_start: "2031-04-03T09:00:00Z",
      scheduled_end: "2031-04-03T10:00:00Z",
    };
    const first = await api("POST", "/api/v1/appointments", { token: clinic.admin.token, body });
    const again = await api("POST", "/api/v1/appointments", { token: clinic.admin.token, body });
    expect(expectStatus(again, 201).body.data).toEqual(expectStatus(first, 201).body.data);
    expect((await appointmentRows(clinic)).filter((r) => r.id === id)).toHaveLength(1);
    const reused = await api("POST", "/api/v1/appointments", {
      token: clinic.admin.token,
      body: { ...body, scheduled_start: "2031-04-03T11:00:00Z", scheduled_end: undefined },
    });
    expectStatus(reused, 409);
  });
});

describe("errors", () => {
  const post = (body: Record<string, unknown>) =>
    api("POST", "/api/v1/appointments", {
      token: clinic.admin.token,
      body: { patient_id: clinic.patient.id, clinician_id: clinic.physio.id, ...body },
    });

  it("422 when the end is not after the start, missing without a service, or over 24 hours", async () => {
    const cases = [
      { scheduled_start: "2031-06-01T10:00:00Z", scheduled_end: "2031-06-01T09:00:00Z" },
      { scheduled_start: "2031-06-01T10:00:00Z", scheduled_end: "2031-06-01T10:00:00Z" },
      { scheduled_start: "2031-06-01T10:00:00Z" },
      { scheduled_start: "2031-06-01T10:00:00Z", scheduled_end: "2031-06-02T10:01:00Z" },
    ];
    for (const body of cases) {
      const res = await post(body);
      expect(expectStatus(res, 422).body.error.details[0].field).toBe("scheduled_end");
    }
  });

  it("422 naming clinician_id when it is not an active clinician of the workspace", async () => {
    for (const clinicianId of [clinic.admin.id, clinic.patientUser.id, other.physio.id]) {
      const res = await post({
        clinician_id: clinicianId,
        scheduled_start: "2031-06-01T10:00:00Z",
        scheduled_end: "2031-06-01T11:00:00Z",
      });
      expect(expectStatus(res, 422).body.error.details.map((d: any) => d.field)).toEqual([
        "clinician_id",
      ]);
    }
  });

  it("422 for an inactive service; 404 for a patient of another workspace", async () => {
    const service = await createService(clinic, { is_active: false });
    const res = await post({ service_id: service.id, scheduled_start: "2031-06-01T10:00:00Z" });
    expect(expectStatus(res, 422).body.error.details.map((d: any) => d.field)).toContain(
      "service_id",
    );
    const foreign = await post({
      patient_id: other.patient.id,
      scheduled_start: "2031-06-01T10:00:00Z",
      scheduled_end: "2031-06-01T11:00:00Z",
    });
    expectStatus(foreign, 404);
  });
});

describe("security", () => {
  it("a clinician sees their own appointments even outside the patient's care team", async () => {
    const appt = await book(clinic, { clinician_id: clinic.doctor.id });
    expectStatus(
      await api("GET", `/api/v1/appointments/${appt.id}`, { token: clinic.doctor.token }),
      200,
    );
    const nurse = await api("GET", `/api/v1/appointments/${appt.id}`, {
      token: clinic.nurse.token,
    });
    // Outside the relation: the 404 of an unknown id, still audited as a denial.
    expectStatus(nurse, 404);
    expect(await auditRows({ requestId: nurse.headers.get("x-request-id") })).toMatchObject([
      { action: "appointment.read", outcome: "denied", actor_id: clinic.nurse.id },
    ]);
  });

  it("a patient cannot reach another patient's appointment (404, audited)", async () => {
    const appt = await book(clinic, {
      patient_id: clinic.otherPatient.id,
      clinician_id: clinic.doctor.id,
    });
    const res = await api("GET", `/api/v1/appointments/${appt.id}`, {
      token: clinic.patientUser.token,
    });
    expectStatus(res, 404);
    expect(await auditRows({ requestId: res.headers.get("x-request-id") })).toMatchObject([
      { action: "appointment.read", outcome: "denied" },
    ]);
    const put = await api("PUT", `/api/v1/appointments/${appt.id}`, {
      token: other.admin.token,
      body: { notes: "x" },
    });
    expectStatus(put, 404);
  });

  it("audit metadata holds ids only, never notes", async () => {
    const appt = await book(clinic, { notes: NOTES });
    const rows = await auditRows({ resourceId: appt.id });
    expect(JSON.stringify(rows)).not.toContain("MRI");
  });
});
