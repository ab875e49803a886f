import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { book } from "./helpers";

describe("security: conflict details name only patients the caller may see", () => {
  it("a nurse off the care team learns the slot is taken, not whose it is", async () => {
    const clinic = await createClinic();
    const appt = await book(clinic);
    const query = `scheduled_start=${encodeURIComponent(appt.scheduled_start)}&scheduled_end=${encodeURIComponent(appt.scheduled_end)}&clinician_id=${clinic.physio.id}`;

    const asNurse = expectStatus(
      await api("GET", `/api/v1/appointments/conflicts?${query}`, { token: clinic.nurse.token }),
      200,
    );
    expect(asNurse.body.data.has_conflict).toBe(true);
    expect(asNurse.body.data.conflicting_appointments[0]).toMatchObject({
      id: appt.id,
      patient_id: null,
    });

    const asPhysio = expectStatus(
      await api("GET", `/api/v1/appointments/conflicts?${query}`, { token: clinic.physio.token }),
      200,
    );
    expect(asPhysio.body.data.conflicting_appointments[0].patient_id).toBe(clinic.patient.id);

    const asAdmin = expectStatus(
      await api("GET", `/api/v1/appointments/conflicts?${query}`, { token: clinic.admin.token }),
      200,
    );
    expect(asAdmin.body.data.conflicting_appointments[0].patient_id).toBe(clinic.patient.id);
  });
});

describe("security: a client-chosen appointment id", () => {
  it("taken in another workspace is a plain 409, never that workspace's appointment", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    const theirs = await book(other);
    const res = await api("POST", "/api/v1/appointments", {
      token: clinic.admin.token,
      body: {
        id: theirs.id,
        patient_id: clinic.patient.id,
        clinician_id: clinic.physio.id,
        scheduled_start: "2033-03-01T10:00:00.000Z",
        scheduled_end: "2033-03-01T11:00:00.000Z",
      },
    });
    expect(res.status, res.text).toBe(409);
    expect(res.text).not.toContain(other.patient.id);
  });
});
