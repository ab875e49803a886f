/**
 * Booking respects the clinician's time off and working hours (issue 12): 409 naming the time off,
 * an audited admin override, and the free-slot search agreeing with the booking.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { auditRows, createTimeOff } from "./helpers";

// Every day 09:00-17:00 in Berlin (UTC+1 in February): 08:00Z-16:00Z.
const DAY = "2031-02-04";
const at = (time: string) => `${DAY}T${time}:00.000Z`;

async function setHours(clinic: Clinic) {
  const working_hours = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
    weekday,
    start: "09:00",
    end: "17:00",
    timezone: "Europe/Berlin",
  }));
  expectStatus(
    await api("PUT", `/api/v1/clinicians/${clinic.physio.id}/working-hours`, {
      token: clinic.admin.token,
      body: { working_hours },
    }),
    200,
  );
}

const booking = (clinic: Clinic, start: string, end: string, extra = {}) => ({
  patient_id: clinic.patient.id,
  clinician_id: clinic.physio.id,
  scheduled_start: start,
  scheduled_end: end,
  ...extra,
});

describe("booking and time off", () => {
  let clinic: Clinic;
  let timeOffId: string;
  beforeAll(async () => {
    clinic = await createClinic("Time off");
    await setHours(clinic);
    timeOffId = (
      await createTimeOff(clinic, clinic.physio.id, {
        starts_at: at("10:00"),
        ends_at: at("12:00"),
      })
    ).id;
  });

  describe("happy", () => {
    it("every slot the free-slot search offers for a day books, then none is left", async () => {
      const fresh = await createClinic("Slots");
      await setHours(fresh);
      await createTimeOff(fresh, fresh.physio.id, { starts_at: at("10:00"), ends_at: at("12:00") });
      const query = `clinician_id=${fresh.physio.id}&date_from=${DAY}&date_to=${DAY}&step_minutes=60&duration_minutes=60`;
      const search = () =>
        api("GET", `/api/v1/appointments/available-slots?${query}`, { token: fresh.admin.token });
      const slots = expectStatus(await search(), 200).body.data.slots as {
        start: string;
        end: string;
      }[];
      // 08:00Z-16:00Z minus the 10:00-12:00 time off: six hourly slots.
      expect(slots.map((s) => s.start.slice(11, 16))).toEqual([
        "08:00",
        "09:00",
        "12:00",
        "13:00",
        "14:00",
        "15:00",
      ]);
      for (const slot of slots) {
        const res = await api("POST", "/api/v1/appointments", {
          token: fresh.physio.token,
          body: booking(fresh, slot.start, slot.end),
        });
        expectStatus(res, 201);
      }
      expect(expectStatus(await search(), 200).body.data.slots).toEqual([]);
    });

    it("an admin may override time off; the override is audited", async () => {
      const res = await api("POST", "/api/v1/appointments", {
        token: clinic.admin.token,
        body: booking(clinic, at("10:30"), at("11:00"), { override_time_off: true }),
      });
      expectStatus(res, 201);
      const [row] = await auditRows({ requestId: res.headers.get("x-request-id") });
      expect(row).toMatchObject({ action: "appointment.created", outcome: "success" });
      expect(JSON.parse(row!.metadata!)).toMatchObject({
        override_time_off: true,
        time_off_ids: [timeOffId],
        outside_working_hours: false,
      });
    });

    it("an admin may override working hours the same way", async () => {
      const res = await api("POST", "/api/v1/appointments", {
        token: clinic.admin.token,
        body: booking(clinic, at("18:00"), at("19:00"), { override_time_off: true }),
      });
      expectStatus(res, 201);
      const [row] = await auditRows({ requestId: res.headers.get("x-request-id") });
      expect(JSON.parse(row!.metadata!)).toMatchObject({ outside_working_hours: true });
    });
  });

  describe("errors", () => {
    it("booking into time off answers 409 naming the time off", async () => {
      const res = await api("POST", "/api/v1/appointments", {
        token: clinic.physio.token,
        body: booking(clinic, at("11:30"), at("12:30")),
      });
      expectStatus(res, 409);
      expect(res.body.error.details).toEqual([
        expect.objectContaining({
          field: "scheduled_start",
          time_off: { id: timeOffId, starts_at: at("10:00"), ends_at: at("12:00") },
        }),
      ]);
    });

    it("booking outside working hours answers 409, also for an admin without override", async () => {
      for (const token of [clinic.physio.token, clinic.admin.token]) {
        const res = await api("POST", "/api/v1/appointments", {
          token,
          body: booking(clinic, at("16:30"), at("17:30")),
        });
        expectStatus(res, 409);
        expect(res.body.error.details[0].message).toBe("Outside the clinician's working hours");
      }
    });

    it("moving an appointment into time off answers 409", async () => {
      const created = expectStatus(
        await api("POST", "/api/v1/appointments", {
          token: clinic.physio.token,
          body: booking(clinic, at("13:00"), at("14:00")),
        }),
        201,
      ).body.data;
      const res = await api("PUT", `/api/v1/appointments/${created.id}`, {
        token: clinic.physio.token,
        body: { scheduled_start: at("11:00"), scheduled_end: at("12:00") },
      });
      expectStatus(res, 409);
      // A change that keeps the time is not re-checked.
      expectStatus(
        await api("PUT", `/api/v1/appointments/${created.id}`, {
          token: clinic.physio.token,
          body: { notes: "Bring shoes" },
        }),
        200,
      );
    });
  });

  describe("security", () => {
    it("only an admin may override (403, audited)", async () => {
      const res = await api("POST", "/api/v1/appointments", {
        token: clinic.physio.token,
        body: booking(clinic, at("10:00"), at("10:30"), { override_time_off: true }),
      });
      expectStatus(res, 403);
      const rows = await auditRows({ requestId: res.headers.get("x-request-id") });
      expect(rows).toEqual([
        expect.objectContaining({ action: "appointment.created", outcome: "denied" }),
      ]);
    });
  });
});
