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
